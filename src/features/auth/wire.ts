// The shapes of the sign-in and session routes (docs/api.md), shared by the server and the web app:
// this module imports nothing, so the browser bundle can take it as it is.

/** GET /auth/options: what the sign-in page can offer. */
export interface AuthOptions {
  signedIn: boolean;
  github: { webFlow: boolean; deviceFlow: boolean; url: string };
  tokenSignIn: boolean;
  hasOwner: boolean;
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
  github: { state: 'connected' | 'needs_renewal' | 'not_connected' | 'not_configured'; url: string; webFlow: boolean; deviceFlow: boolean };
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
