// Usage totals of agent runs (issue 21 §1, "Usage and cost"): tokens and cost per workspace, per day and
// per month, in UTC. A run counts on the day it started (or, never started, the day it was queued),
// with the usage and cost stored on it as its attempts ended: a run's cost is never recomputed from
// today's prices.
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import { utcDay, utcMonth, type DayUsage, type MonthUsage, type UsageTotals, type WorkspaceUsage } from '../../shared/usage.js';

export interface UsageWindow {
  /** Days shown, today included (1–366). */
  days: number;
  /** Months shown, this one included (1–36). */
  months: number;
}

interface RunUsageRow {
  workspaceId: string;
  createdAt: Date;
  startedAt: Date | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
}

const emptyTotals = (): UsageTotals => ({ runs: 0, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, costUsd: 0, unpricedRuns: 0 });

function add(totals: UsageTotals, row: RunUsageRow): void {
  totals.runs += 1;
  totals.tokens.input += row.inputTokens;
  totals.tokens.output += row.outputTokens;
  totals.tokens.cacheRead += row.cacheReadTokens;
  totals.tokens.cacheWrite += row.cacheWriteTokens;
  if (row.costUsd === null) {
    if (row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens > 0) totals.unpricedRuns += 1;
  } else totals.costUsd += row.costUsd;
}

/** Sums to a millionth of a dollar, as costs are stored. */
const rounded = <T extends UsageTotals>(totals: T): T => ({ ...totals, costUsd: Math.round(totals.costUsd * 1_000_000) / 1_000_000 });

/** When a run counts: the day it started, else the day it was queued. */
export const countedAt = (row: Pick<RunUsageRow, 'createdAt' | 'startedAt'>): Date => row.startedAt ?? row.createdAt;

export const startOfUtcMonth = (date: Date, monthsBack = 0): Date => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - monthsBack, 1));
const startOfUtcDay = (date: Date, daysBack = 0): Date => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - daysBack));

export function createUsage({ db, clock }: { db: Database; clock: Clock }) {
  /** The runs that count from `since` on (to `until`, excluded, when given). */
  async function runsBetween(since: Date, until?: Date): Promise<RunUsageRow[]> {
    const range = until ? { gte: since, lt: until } : { gte: since };
    return db.agentRun.findMany({
      where: { OR: [{ startedAt: range }, { startedAt: null, createdAt: range }] },
      select: { workspaceId: true, createdAt: true, startedAt: true, inputTokens: true, outputTokens: true, cacheReadTokens: true, cacheWriteTokens: true, costUsd: true },
    });
  }

  return {
    /** This UTC month's cost so far (the budget's measure). */
    async monthCost(now = clock.now()): Promise<number> {
      const totals = emptyTotals();
      for (const row of await runsBetween(startOfUtcMonth(now), startOfUtcMonth(now, -1))) add(totals, row);
      return rounded(totals).costUsd;
    },

    /** Totals of the window: per month (newest first), per day (newest first, days with runs), per workspace and overall. */
    async totals(window: UsageWindow) {
      const now = clock.now();
      const since = new Date(Math.min(startOfUtcMonth(now, window.months - 1).getTime(), startOfUtcDay(now, window.days - 1).getTime()));
      const daysFrom = startOfUtcDay(now, window.days - 1);
      const monthsFrom = startOfUtcMonth(now, window.months - 1);
      const rows = await runsBetween(since);
      const names = new Map((await db.workspace.findMany({ select: { id: true, name: true } })).map((w) => [w.id, w.name]));
      const total = emptyTotals();
      const byWorkspace = new Map<string, WorkspaceUsage>();
      const byDay = new Map<string, DayUsage>();
      const byMonth = new Map<string, MonthUsage>();
      for (const row of rows) {
        const at = countedAt(row);
        if (at >= monthsFrom) {
          add(total, row);
          const workspace = byWorkspace.get(row.workspaceId) ?? { workspaceId: row.workspaceId, workspaceName: names.get(row.workspaceId) ?? row.workspaceId, ...emptyTotals() };
          add(workspace, row);
          byWorkspace.set(row.workspaceId, workspace);
          const month = utcMonth(at);
          const monthTotals = byMonth.get(month) ?? { month, ...emptyTotals() };
          add(monthTotals, row);
          byMonth.set(month, monthTotals);
        }
        if (at >= daysFrom) {
          const day = utcDay(at);
          const dayTotals = byDay.get(day) ?? { day, ...emptyTotals() };
          add(dayTotals, row);
          byDay.set(day, dayTotals);
        }
      }
      return {
        since: monthsFrom.toISOString(),
        total: rounded(total),
        workspaces: [...byWorkspace.values()].map(rounded).sort((a, b) => b.costUsd - a.costUsd || a.workspaceName.localeCompare(b.workspaceName)),
        days: [...byDay.values()].map(rounded).sort((a, b) => b.day.localeCompare(a.day)),
        months: [...byMonth.values()].map(rounded).sort((a, b) => b.month.localeCompare(a.month)),
      };
    },
  };
}

export type Usage = ReturnType<typeof createUsage>;
