// The shapes of the sign-in and session routes (docs/api.md), shared by the server and the web app:
// this module imports nothing, so the browser bundle can take it as it is.

/** GET /auth/options: what the sign-in page can offer. */
export interface AuthOptions {
  signedIn: boolean;
  github: { webFlow: boolean; deviceFlow: boolean; url: string };
  tokenSignIn: boolean;
  hasOwner: boolean;
  /** This browser opened the current setup link (/auth/setup): its next GitHub sign-in may claim the server. */
  setupTokenReceived: boolean;
  /**
   * This browser opened the current sign-in link while the link itself does not sign in (token sign-in
   * off): its next device-code sign-in needs no approval from a signed-in browser.
   */
  signInLinkReceived: boolean;
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
  /** `awaiting_approval`: a signed-in browser must approve it before GitHub is asked for a code. */
  status: 'awaiting_approval' | 'pending' | 'approved' | 'denied' | 'expired' | 'refused' | 'failed';
  /** Shown next to the request on the approval page (Settings → Sign-in requests) of a signed-in browser. */
  requestCode: string;
  /** GitHub's code and where to enter it: null while the sign-in awaits approval. */
  userCode: string | null;
  verificationUri: string | null;
  expiresAt: string;
  intervalSeconds: number;
  message: string | null;
}

/** GET /api/me. */
export interface Me {
  owner: { githubId: number; login: string | null; name: string | null; avatarUrl: string | null } | null;
  /** state: checked against GitHub (see GitHubConnectionState in shared/github.ts, whose words the screens show). */
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
  /** What the owner would call the device, from its user agent ("iPhone · Safari", src/shared/device-link.ts). */
  deviceName: string;
  /** The session of the browser asking. */
  current: boolean;
}

/** One entry of GET /api/auth/sign-in-requests: a device-code sign-in waiting for this browser's approval. */
export interface SignInRequest {
  id: string;
  /** The code the requesting page shows. */
  code: string;
  /** Address and user agent of the browser that asks. */
  ip: string;
  userAgent: string | null;
  createdAt: string;
  expiresAt: string;
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
