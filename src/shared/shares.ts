// Read-only share links of a terminal (issue 23 §2, docs/sharing.md): the shapes and names the
// server and the browser share. Imports nothing.

/** How long a link works, in the words the API takes. */
export const SHARE_EXPIRIES = { '15m': 15 * 60_000, '1h': 60 * 60_000, '1d': 24 * 60 * 60_000 } as const;
export type ShareExpiry = keyof typeof SHARE_EXPIRIES;
export const DEFAULT_SHARE_EXPIRY: ShareExpiry = '1h';
export const SHARE_EXPIRY_LABELS: Record<ShareExpiry, string> = { '15m': '15 minutes', '1h': '1 hour', '1d': '1 day' };
export const SHARE_LABEL_MAX = 80;

/** The viewer's page is `/share/<token>`; its WebSocket `/ws/share/<token>`. */
export const SHARE_PAGE_PREFIX = '/share/';
export const SHARE_WS_PREFIX = '/ws/share/';

/** WebSocket close codes that end a viewer for good (reconnecting cannot help). */
export const CLOSE_SHARE_REVOKED = 4010;
export const CLOSE_SHARE_EXPIRED = 4011;
export const CLOSE_SHARE_ENDED = 4012;
export const SHARE_CLOSE_CODES: readonly number[] = [CLOSE_SHARE_REVOKED, CLOSE_SHARE_EXPIRED, CLOSE_SHARE_ENDED];

/** A share as the owner sees it (GET /api/shares). */
export interface ShareInfo {
  id: string;
  terminalId: string;
  /** The terminal's name, or its shell's. */
  terminalTitle: string;
  label: string | null;
  expiresAt: string;
  createdAt: string;
  /** Viewers connected now. */
  viewers: number;
}

/** POST /api/terminals/:id/shares: the token is shown this once (only its hash is kept). */
export interface CreatedShare {
  share: ShareInfo;
  /** The link's path, `/share/<token>`. */
  path: string;
}

/** GET /api/shares/<token> (public): all a viewer learns. */
export interface SharedTerminal {
  terminalId: string;
  title: string;
  /** The owner's GitHub login. */
  sharedBy: string | null;
  expiresAt: string;
  cols: number;
  rows: number;
}
