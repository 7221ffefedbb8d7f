// The shapes of the maintenance routes (docs/api.md) that the web app reads, shared by the server
// and the web app: this module imports nothing, so the browser bundle can take it as it is.

/** One verified backup file. */
export interface BackupInfo {
  name: string;
  sizeBytes: number;
  createdAt: string;
  verified: boolean;
}

/** GET /api/maintenance/backups. */
export interface BackupList {
  directory: string;
  retentionCount: number;
  /** Newest first. */
  backups: BackupInfo[];
}

/** A job's latest run, as GET /api/maintenance/jobs shows it. */
export interface JobRunView {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  ok: boolean | null;
  details: unknown;
}

/** One job of GET /api/maintenance/jobs. */
export interface JobView {
  name: string;
  schedule: string;
  timezone: string;
  isScheduled: boolean;
  isRunning: boolean;
  nextRunAt: string | null;
  lastRun: JobRunView | null;
  lastSuccessAt: string | null;
}

/** GET /api/maintenance/jobs. */
export interface JobList {
  timezone: string;
  isSchedulerEnabled: boolean;
  jobs: JobView[];
}

/** GET /api/metrics: a metric averaged into time buckets (empty buckets left out). */
export interface MetricSeriesView {
  metric: string;
  /** Null when the window holds no sample. */
  unit: string | null;
  since: string;
  until: string;
  bucketMs: number;
  points: { at: string; avg: number; min: number; max: number; samples: number }[];
}
