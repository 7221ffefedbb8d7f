// Shapes of the API responses the screens use (docs/api.md), from the import-free wire modules of
// the server's features: one definition for both sides.
import type { RepoSummary } from '../../shared/github.js';
import type { BranchesView, EnvVariableView, GitStatusView, WorkspaceView } from '../../shared/workspaces.js';

export type { AuthLogEntry, AuthOptions, AuthSessionInfo, DeviceState, Me, SignInRequest } from '../../shared/auth.js';
export type { ReadinessReport } from '../../shared/health.js';
export type { BackupInfo, BackupList, JobList, JobView as JobInfo, MetricSeriesView as MetricSeries } from '../../shared/maintenance.js';
export type { SettingsResponse, UserSettings } from '../../shared/settings.js';
export type { CloneEvent } from '../../shared/workspaces.js';
export type { TerminalActivity, TerminalInfo } from '../../shared/terminals.js';
export type {
  Approval,
  ApprovalAnswer,
  ApprovalsResponse,
  DashboardResponse,
  DashboardRun,
  DashboardTerminal,
  PushDevice,
  PushDeviceUpdate,
  PushPreferences,
  PushResponse,
  PushSubscribeRequest,
  PushTestResponse,
} from '../../shared/attention.js';
export type Workspace = WorkspaceView;
export type GitStatus = GitStatusView;
export type Branches = BranchesView;
export type EnvVariable = EnvVariableView;
export type Repository = RepoSummary;
