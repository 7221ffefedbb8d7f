// The monthly budget of agent runs (issue 21 §1, "Usage and cost"): a sum in US dollars, optional. This
// UTC month's cost (usage.ts) at 80 % of it warns, at 100 % warns again and — when the owner chose so —
// holds the queue: queued runs stay queued (the runs screen says why) until the budget is raised, the
// month turns or the owner resumes the queue for the month. A running run is never stopped by it.
// Each warning is pushed once per month and level (push kind `failed`, as a run that cannot go on).
// Stored in the Settings row's preferences JSON under `runBudget` (other keys are left as they are).
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { PushMessage } from '../../shared/attention.js';
import { APP_ROUTES } from '../../shared/app-paths.js';
import { BUDGET_WARN_FRACTION, formatUsd, utcMonth, type BudgetLevel, type BudgetView } from '../../shared/usage.js';
import { loadSettings, SETTINGS_ID } from '../settings/row.js';
import { startOfUtcMonth, type Usage } from './usage.js';

interface StoredBudget {
  monthlyUsd: number | null;
  pauseQueue: boolean;
  /** The month (YYYY-MM) the owner resumed the queue for despite the budget. */
  resumedMonth: string | null;
  /** The highest level already pushed, and for which month. */
  warned: { month: string; level: BudgetLevel } | null;
}

export interface BudgetSettings {
  monthlyUsd: number | null;
  pauseQueue: boolean;
}

export interface BudgetDeps {
  db: Database;
  clock: Clock;
  usage: Usage;
  log: FastifyBaseLogger;
  /** Asks the queue to look again (the budget was raised, the queue resumed, the month turned). */
  wake: () => void;
  /** Web Push to the owner's devices, when the push feature is there. */
  notify?: (message: PushMessage) => Promise<unknown>;
}

/** How often a held queue looks again besides every change: catches the month's turn (timers cannot wait a month). */
const HELD_RECHECK_MS = 60 * 60_000;

function parseStored(preferences: string): { all: Record<string, unknown>; budget: StoredBudget } {
  let all: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(preferences);
    if (value && typeof value === 'object' && !Array.isArray(value)) all = value as Record<string, unknown>;
  } catch {
    // Unreadable preferences: as if none.
  }
  const raw = (all.runBudget ?? {}) as Partial<StoredBudget>;
  const monthlyUsd = typeof raw.monthlyUsd === 'number' && raw.monthlyUsd > 0 ? raw.monthlyUsd : null;
  const warned = raw.warned && typeof raw.warned.month === 'string' ? raw.warned : null;
  return { all, budget: { monthlyUsd, pauseQueue: raw.pauseQueue === true, resumedMonth: typeof raw.resumedMonth === 'string' ? raw.resumedMonth : null, warned } };
}

const LEVEL_RANK: Record<BudgetLevel, number> = { none: 0, ok: 0, warning: 1, over: 2 };

export function describeBudget(budget: Pick<StoredBudget, 'monthlyUsd' | 'pauseQueue' | 'resumedMonth'>, month: string, monthCostUsd: number): BudgetView {
  const fraction = budget.monthlyUsd ? monthCostUsd / budget.monthlyUsd : null;
  const level: BudgetLevel = fraction === null ? 'none' : fraction >= 1 ? 'over' : fraction >= BUDGET_WARN_FRACTION ? 'warning' : 'ok';
  const resumed = budget.resumedMonth === month;
  const paused = budget.pauseQueue && level === 'over' && !resumed;
  const cost = formatUsd(monthCostUsd);
  const limit = budget.monthlyUsd === null ? '' : formatUsd(budget.monthlyUsd);
  let message: string | null = null;
  if (paused) message = `This month's cost (${cost}) reached the monthly budget (${limit}): queued runs wait until the budget is raised, the month turns (UTC) or the queue is resumed. Running runs go on.`;
  else if (level === 'over') message = `This month's cost (${cost}) reached the monthly budget (${limit})${resumed ? '; the queue was resumed for this month' : ''}.`;
  else if (level === 'warning') message = `This month's cost (${cost}) is ${Math.floor((fraction ?? 0) * 100)} % of the monthly budget (${limit}).`;
  return { monthlyUsd: budget.monthlyUsd, pauseQueue: budget.pauseQueue, warnAt: BUDGET_WARN_FRACTION, month, monthCostUsd, fraction, level, resumed, paused, message };
}

export function createBudget(deps: BudgetDeps) {
  const { db, clock, usage, log } = deps;
  let recheck: NodeJS.Timeout | null = null;
  let closed = false;

  async function write(change: (budget: StoredBudget) => StoredBudget): Promise<void> {
    const row = await loadSettings(db);
    const { all, budget } = parseStored(row.preferences);
    all.runBudget = change(budget);
    await db.settings.update({ where: { id: row.id }, data: { preferences: JSON.stringify(all) } });
  }

  /** As stored; creates no Settings row (the queue asks at every pump). */
  async function stored(): Promise<StoredBudget> {
    const row = await db.settings.findUnique({ where: { id: SETTINGS_ID }, select: { preferences: true } });
    return parseStored(row?.preferences ?? '{}').budget;
  }

  async function read(): Promise<BudgetView> {
    const now = clock.now();
    return describeBudget(await stored(), utcMonth(now), await usage.monthCost(now));
  }

  /** Pushes a warning the first time this month reaches a level. */
  async function warnOnce(view: BudgetView, budget: StoredBudget): Promise<void> {
    if (view.level !== 'warning' && view.level !== 'over') return;
    const already = budget.warned?.month === view.month ? budget.warned.level : 'none';
    if (LEVEL_RANK[already] >= LEVEL_RANK[view.level]) return;
    await write((current) => ({ ...current, warned: { month: view.month, level: view.level } }));
    if (!deps.notify) return;
    const title = view.level === 'over' ? (view.paused ? 'Agent runs paused: budget reached' : 'Agent runs: budget reached') : 'Agent runs: 80 % of the budget';
    // Not awaited: the queue asks on its way and must not wait for the push services.
    void deps
      .notify({ kind: 'failed', title, body: view.message ?? '', tag: `run-budget-${view.month}`, url: APP_ROUTES.operations, sentAt: clock.now().toISOString() })
      .catch((error: unknown) => log.warn({ err: error }, 'pushing the run budget warning failed'));
  }

  function watchWhileHeld(paused: boolean): void {
    if (!paused || closed) {
      if (recheck) clearTimeout(recheck);
      recheck = null;
      return;
    }
    if (recheck) return;
    const now = clock.now();
    const untilNextMonth = startOfUtcMonth(now, -1).getTime() - now.getTime();
    recheck = setTimeout(() => {
      recheck = null;
      deps.wake();
    }, Math.max(1000, Math.min(untilNextMonth, HELD_RECHECK_MS)));
    recheck.unref();
  }

  return {
    read,

    /** Sets the budget (null: none) and whether reaching it holds the queue; the queue looks again. */
    async update(settings: BudgetSettings): Promise<BudgetView> {
      await write((current) => ({ ...current, monthlyUsd: settings.monthlyUsd, pauseQueue: settings.pauseQueue }));
      deps.wake();
      return read();
    },

    /** Lets queued runs start again for the rest of this month, though the budget is reached. */
    async resume(): Promise<BudgetView> {
      const month = utcMonth(clock.now());
      await write((current) => ({ ...current, resumedMonth: month }));
      deps.wake();
      return read();
    },

    /** The queue's question before it starts queued runs: whether to hold them; warns on the way. */
    async holdsQueue(): Promise<boolean> {
      const budget = await stored();
      if (budget.monthlyUsd === null) {
        watchWhileHeld(false);
        return false;
      }
      const now = clock.now();
      const view = describeBudget(budget, utcMonth(now), await usage.monthCost(now));
      await warnOnce(view, budget).catch((error: unknown) => log.warn({ err: error }, 'warning about the run budget failed'));
      watchWhileHeld(view.paused);
      return view.paused;
    },

    close(): void {
      closed = true;
      if (recheck) clearTimeout(recheck);
      recheck = null;
    },
  };
}

export type Budget = ReturnType<typeof createBudget>;
