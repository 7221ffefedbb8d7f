// The shape of GET /readyz (docs/api.md), shared by the server and the web app: this module imports
// nothing, so the browser bundle can take it as it is.

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** What was found, in words an operator can act on. */
  message: string;
  [extra: string]: unknown;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, CheckResult>;
}

/** GET /readyz for a caller that is neither signed in nor has operator access: the statuses alone. */
export interface ReadinessSummary {
  status: ReadinessReport['status'];
  checks: Record<string, { status: CheckStatus }>;
  /** How to get the full report. */
  details: string;
}
