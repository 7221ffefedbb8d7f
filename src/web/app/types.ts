// Shapes of the API responses the screens use (docs/api.md).
import type { Theme } from './theme.js';

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

export interface CloneEvent {
  workspaceId: string;
  phase: string;
  percent: number;
  processed: number;
  total: number;
  state: 'pending' | 'cloning' | 'ready' | 'error';
  message?: string;
}

export interface Workspace {
  id: string;
  name: string;
  githubRepo: string | null;
  cloneUrl: string;
  localPath: string;
  defaultBranch: string | null;
  description: string | null;
  cloneState: 'pending' | 'cloning' | 'ready' | 'error';
  cloneError: string | null;
  progress: CloneEvent | null;
  status: 'active' | 'idle' | 'archived';
  activeTerminals: number;
  lastActivityAt: string | null;
  lastSyncAt: string | null;
  createdAt: string;
}

export interface GitStatus {
  branch: string | null;
  detached: boolean;
  commit: string | null;
  upstream: string | null;
  ahead: number;
  behind: number;
  changedFiles: number;
  staged: number;
  modified: number;
  untracked: number;
  conflicted: number;
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

export interface Repository {
  id: number;
  fullName: string;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  fork: boolean;
  archived: boolean;
  defaultBranch: string;
  pushedAt: string | null;
  htmlUrl: string;
  workspaceId: string | null;
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
