import type { IncomingHttpHeaders } from 'node:http';

export type TokenKind = 'oauth-app' | 'github-app';

export interface FakeGitHubOptions {
  clientId?: string;
  clientSecret?: string;
  /** 'github-app' => expiring user tokens (ghu_) with rotating refresh tokens (ghr_); 'oauth-app' => gho_ tokens without expiry. */
  tokenKind?: TokenKind;
  /** Default true: a request to an unknown route is answered 404 AND recorded in unexpectedRequests. */
  strict?: boolean;
  /** Seconds the device flow asks clients to wait between polls (GitHub: 5). Tests use 0 or 1. */
  deviceInterval?: number;
  /** Default true; false => POST /login/device/code answers device_flow_disabled (the app setting is off). */
  deviceFlowEnabled?: boolean;
  /** The app's registered callback URL. When set, /login/oauth/authorize checks redirect_uri against it as GitHub does. */
  callbackUrl?: string;
  /** Time as the fake sees it (token, code and device-code expiry, slow_down). Default: the system clock. */
  clock?: { now(): Date };
}

/** What setHang() covers: the REST API (/api/v3), the sign-in endpoints (/login/*), git smart HTTP. */
export type HangScope = 'api' | 'sign-in' | 'git';

export interface Hang {
  /** Default: all three. */
  scopes?: HangScope[];
  /** Answer after this long; unset: never answer (until setHang(null) or the client gives up). */
  afterMs?: number;
}

export interface FakeUser {
  login: string;
  id: number;
  name: string | null;
  avatarUrl: string;
  type: 'User' | 'Organization';
  /** Organizations only: logins of members (affiliation=organization_member). */
  members: string[];
}

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  /** Logins with push access. */
  collaborators: string[];
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  /** Path of a real bare repository served over git smart HTTP. */
  bare?: string;
  archived: boolean;
  fork: boolean;
}

export interface AddRepoInput {
  owner: string;
  name: string;
  private?: boolean;
  description?: string | null;
  defaultBranch?: string;
  collaborators?: string[];
  pushedAt?: string;
  createdAt?: string;
  updatedAt?: string;
  bare?: string;
  archived?: boolean;
  fork?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw request target (path + query) as received. */
  url: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Text body for OAuth/API requests; undefined for git smart HTTP (streamed, binary). */
  body: string | undefined;
  /** The response status, set when the response has been sent. */
  status?: number;
  /** Set when handling the request threw inside the fake (the request is then also in unexpectedRequests). */
  error?: string;
  /** Set when setHang() held the request (answered late, or never). */
  held?: boolean;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken?: string;
}

export interface TokenRecord {
  token: string;
  login: string;
  kind: TokenKind;
  scopes: string[];
  /** Epoch ms; undefined => never expires (OAuth-app tokens). */
  expiresAt: number | undefined;
  revoked: boolean;
}

export interface RefreshRecord {
  token: string;
  login: string;
  accessToken: string;
  expiresAt: number;
  used: boolean;
  /** Device-flow tokens may be refreshed without the client secret. */
  fromDevice: boolean;
}

export interface AuthCodeRecord {
  code: string;
  login: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | undefined;
  expiresAt: number;
  used: boolean;
}

export type DeviceState = 'pending' | 'approved' | 'denied' | 'consumed';

export interface DeviceRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  interval: number;
  lastPollAt: number | undefined;
  state: DeviceState;
  login: string | undefined;
}
