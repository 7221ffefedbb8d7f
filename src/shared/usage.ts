// The shapes of /api/prices, /api/usage and /api/budget (docs/api.md, "Usage and cost"), shared by the
// server and the web app: this module imports nothing.

/** Token counts as the agents report them. */
export interface UsageTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One model's price: US dollars per million tokens, and the day it was last checked (YYYY-MM-DD). */
export interface PriceView {
  /** A model id or a prefix of ids (`claude-sonnet-4` prices `claude-sonnet-4-5-20250929`). */
  model: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cacheReadPerMillion: number;
  cacheWritePerMillion: number;
  checkedOn: string;
  /** `edited`: the owner's price (reset goes back to the shipped one, or removes a model not shipped). */
  source: 'shipped' | 'edited';
  /** The shipped price when edited, for comparison; null for a model not shipped. */
  shipped: Omit<PriceView, 'source' | 'shipped'> | null;
}

export interface PricesResponse {
  prices: PriceView[];
}

/** Tokens and cost of a set of runs. `costUsd` counts priced runs; `unpricedRuns` were of a model not in the table. */
export interface UsageTotals {
  runs: number;
  tokens: UsageTokens;
  costUsd: number;
  unpricedRuns: number;
}

export interface WorkspaceUsage extends UsageTotals {
  workspaceId: string;
  workspaceName: string;
}

/** `day` is YYYY-MM-DD, `month` YYYY-MM, both in UTC. */
export interface DayUsage extends UsageTotals {
  day: string;
}
export interface MonthUsage extends UsageTotals {
  month: string;
}

export type BudgetLevel = 'none' | 'ok' | 'warning' | 'over';

/** The monthly budget (USD), this month's cost and what it means for the queue. */
export interface BudgetView {
  monthlyUsd: number | null;
  /** Whether reaching 100 % holds queued runs (running ones go on). */
  pauseQueue: boolean;
  /** The warning threshold, a fraction of the budget (0.8). */
  warnAt: number;
  month: string;
  monthCostUsd: number;
  /** monthCostUsd / monthlyUsd, or null without a budget. */
  fraction: number | null;
  level: BudgetLevel;
  /** Whether the owner resumed the queue for this month despite the budget. */
  resumed: boolean;
  /** Whether queued runs are held now. */
  paused: boolean;
  /** In words, for the Operations page and the runs screen; null when there is nothing to say. */
  message: string | null;
}

/** GET /api/usage: totals since `since` (UTC), by workspace, day and month; and the budget. */
export interface UsageResponse {
  timeZone: 'UTC';
  since: string;
  total: UsageTotals;
  workspaces: WorkspaceUsage[];
  days: DayUsage[];
  months: MonthUsage[];
  budget: BudgetView;
}

export const BUDGET_WARN_FRACTION = 0.8;
export const MAX_PRICE_PER_MILLION = 10_000;
export const MAX_MONTHLY_BUDGET_USD = 1_000_000;

/** A day in UTC, YYYY-MM-DD. */
export const utcDay = (date: Date): string => date.toISOString().slice(0, 10);
/** A month in UTC, YYYY-MM. */
export const utcMonth = (date: Date): string => date.toISOString().slice(0, 7);

/** Dollars for people: cents above a dollar, more digits below. */
export function formatUsd(value: number): string {
  if (value === 0) return '$0.00';
  if (Math.abs(value) >= 1) return `$${value.toFixed(2)}`;
  return `$${value.toFixed(4)}`;
}
