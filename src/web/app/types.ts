// Shapes of the API responses the screens use (docs/api.md). Those the server's features define
// in their import-free wire modules come from there; the job list and metric series are written
// out here because the server builds them with Date objects that JSON turns into strings.
import type { RepoSummary } from '../../features/github/wire.js';
import type { BranchesView, EnvVariableView, GitStatusView, WorkspaceView } from '../../features/workspaces/wire.js';

export type { AuthLogEntry, AuthOptions, AuthSessionInfo, DeviceState, Me } from '../../features/auth/wire.js';
export type { ReadinessReport } from '../../features/health/wire.js';
export type { BackupInfo, BackupList } from '../../features/maintenance/wire.js';
export type { SettingsResponse, UserSettings } from '../../features/settings/wire.js';
export type { CloneEvent } from '../../features/workspaces/wire.js';
export type Workspace = WorkspaceView;
export type GitStatus = GitStatusView;
export type Branches = BranchesView;
export type EnvVariable = EnvVariableView;
export type Repository = RepoSummary;

export interface JobInfo {
  name: string;
  schedule: string;
  timezone: string;
  isScheduled: boolean;
  isRunning: boolean;
  nextRunAt: string | null;
  lastRun: { id: number; startedAt: string; finishedAt: string | null; ok: boolean | null; details?: unknown } | null;
  lastSuccessAt: string | null;
}

export interface MetricSeries {
  metric: string;
  /** Null when the window holds no sample. */
  unit: string | null;
  since: string;
  until: string;
  bucketMs: number;
  points: { at: string; avg: number; min: number; max: number; samples: number }[];
}
