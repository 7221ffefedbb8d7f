// Shapes of the API responses the screens use (docs/api.md), from the import-free wire modules of
// the server's features: one definition for both sides.
import type { RepoSummary } from '../../features/github/wire.js';
import type { BranchesView, EnvVariableView, GitStatusView, WorkspaceView } from '../../features/workspaces/wire.js';

export type { AuthLogEntry, AuthOptions, AuthSessionInfo, DeviceState, Me, SignInRequest } from '../../features/auth/wire.js';
export type { ReadinessReport } from '../../features/health/wire.js';
export type { BackupInfo, BackupList, JobList, JobView as JobInfo, MetricSeriesView as MetricSeries } from '../../features/maintenance/wire.js';
export type { SettingsResponse, UserSettings } from '../../features/settings/wire.js';
export type { CloneEvent } from '../../features/workspaces/wire.js';
export type Workspace = WorkspaceView;
export type GitStatus = GitStatusView;
export type Branches = BranchesView;
export type EnvVariable = EnvVariableView;
export type Repository = RepoSummary;
