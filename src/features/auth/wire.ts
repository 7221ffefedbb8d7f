// The shapes of the sign-in and session routes (docs/api.md), shared by the server and the web app:
// this module imports nothing, so the browser bundle can take it as it is.

/** GET /auth/options: what the sign-in page can offer. */
export interface AuthOptions {
  signedIn: boolean;
  github: { webFlow: boolean; deviceFlow: boolean; url: string };
  tokenSignIn: boolean;
  hasOwner: boolean;
  /** This browser opened the setup link (/auth/setup) of this start: its next GitHub sign-in may claim the server. */
  setupTokenReceived: boolean;
}

/**
 * The start-up token in what someone pasted: the whole printed link (sign-in or setup URL, with
 * `token=` or `setup_token=`), a query string, or the bare token. Whitespace around it is dropped.
 */
export function extractStartupToken(input: string): string {
  const value = input.trim();
  const match = /(?:^|[?&])(?:setup_)?token=([^&#\s]*)/.exec(value);
  if (!match) return value;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

/** POST /auth/device and GET /auth/device: a device-flow sign-in in progress. */
export interface DeviceState {
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'refused' | 'failed';
  userCode: string;
  verificationUri: string;
  expiresAt: string;
  intervalSeconds: number;
  message: string | null;
}

/** GET /api/me. */
export interface Me {
  owner: { githubId: number; login: string | null; name: string | null; avatarUrl: string | null } | null;
  /** state: checked against GitHub (see GitHubConnectionState in features/github/wire.ts, whose words the screens show). */
  github: { state: 'connected' | 'needs_renewal' | 'not_connected' | 'not_configured' | 'unreachable'; url: string; webFlow: boolean; deviceFlow: boolean };
  session: { id: string; createdAt: string; expiresAt: string };
}

/** One entry of GET /api/auth/sessions. */
export interface AuthSessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** The session of the browser asking. */
  current: boolean;
}

/** One entry of GET /api/auth/log. */
export interface AuthLogEntry {
  id: number;
  action: string;
  success: boolean;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}
