// Shapes of the API responses the screens use (docs/api.md). Those the server's features define
// in their import-free wire modules come from there.
import type { RepoSummary } from '../../features/github/wire.js';
import type { GitStatusView, WorkspaceView } from '../../features/workspaces/wire.js';
import type { Theme } from './theme.js';

export type { CloneEvent } from '../../features/workspaces/wire.js';
export type Workspace = WorkspaceView;
export type GitStatus = GitStatusView;
export type Repository = RepoSummary;

export interface Me {
  owner: { githubId: number; login: string | null; name: string | null; avatarUrl: string | null } | null;
  github: { state: 'connected' | 'needs_renewal' | 'not_connected' | 'not_configured'; url: string; webFlow: boolean; deviceFlow: boolean };
  session: { id: string; createdAt: string; expiresAt: string };
}

export interface AuthOptions {
  signedIn: boolean;
  github: { webFlow: boolean; deviceFlow: boolean; url: string };
  tokenSignIn: boolean;
  hasOwner: boolean;
}

export interface DeviceState {
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'refused' | 'failed';
  userCode: string;
  verificationUri: string;
  expiresAt: string;
  intervalSeconds: number;
  message: string | null;
}

export interface UserSettings {
  theme: Theme;
  fontSize: number;
  defaultShell: string | null;
}

export interface SettingsResponse {
  settings: UserSettings;
  shells: string[];
}

export interface Branches {
  current: string | null;
  local: { name: string; commit: string; upstream: string | null; current: boolean }[];
  remote: { name: string; commit: string }[];
}

export interface EnvVariable {
  name: string;
  value: string | null;
  secret: boolean;
  updatedAt: string;
}

export interface AuthSessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface AuthLogEntry {
  id: number;
  action: string;
  success: boolean;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

export interface ReadinessReport {
  status: string;
  checks: Record<string, { status: 'ok' | 'warn' | 'fail'; message: string }>;
}

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

export interface BackupInfo {
  name: string;
  sizeBytes: number;
  createdAt: string;
  verified: boolean;
}

export interface MetricSeries {
  metric: string;
  unit: string;
  since: string;
  until: string;
  bucketMs: number;
  points: { at: string; avg: number; min: number; max: number; samples: number }[];
}
