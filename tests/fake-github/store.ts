import { randomBytes } from 'node:crypto';
import type {
  AddRepoInput,
  AuthCodeRecord,
  DeviceRecord,
  FakeRepo,
  FakeUser,
  IssuedToken,
  RefreshRecord,
  TokenKind,
  TokenRecord,
} from './types.js';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** GitHub user-to-server tokens live 8 hours, their refresh tokens about 6 months. */
export const ACCESS_TOKEN_TTL_S = 28_800;
export const REFRESH_TOKEN_TTL_S = 15_897_600;

export function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE62[byte % BASE62.length];
  return out;
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

export type Authentication =
  | { kind: 'anonymous' }
  | { kind: 'bad' }
  | { kind: 'user'; user: FakeUser; token: TokenRecord };

export type RepoAccess = 'none' | 'read' | 'write' | 'admin';

/** All mutable state of one fake GitHub: accounts, repositories, tokens, codes. */
export class FakeStore {
  readonly users = new Map<string, FakeUser>();
  readonly repos: FakeRepo[] = [];
  readonly tokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  readonly codes = new Map<string, AuthCodeRecord>();
  readonly devices = new Map<string, DeviceRecord>();
  private nextUserId = 1001;
  private nextRepoId = 5001;

  constructor(
    readonly tokenKind: TokenKind,
    private readonly nowMs: () => number,
  ) {}

  now(): number {
    return this.nowMs();
  }

  findUser(login: string): FakeUser | undefined {
    return this.users.get(login.toLowerCase());
  }

  requireUser(login: string): FakeUser {
    const user = this.findUser(login);
    if (!user) throw new Error(`fake-github: unknown user ${login}; call addUser first`);
    return user;
  }

  addAccount(input: { login: string; id?: number; name?: string | null; avatarUrl?: string; type: FakeUser['type']; members?: string[] }): FakeUser {
    if (this.findUser(input.login)) throw new Error(`fake-github: account ${input.login} already exists`);
    const taken = (id: number) => [...this.users.values()].some((u) => u.id === id);
    if (input.id !== undefined && taken(input.id)) throw new Error(`fake-github: account id ${input.id} is already used`);
    while (input.id === undefined && taken(this.nextUserId)) this.nextUserId += 1;
    const id = input.id ?? this.nextUserId++;
    const user: FakeUser = {
      login: input.login,
      id,
      name: input.name ?? null,
      avatarUrl: input.avatarUrl ?? `https://avatars.example.test/u/${id}?v=4`,
      type: input.type,
      members: input.members ?? [],
    };
    this.users.set(input.login.toLowerCase(), user);
    return user;
  }

  addRepo(input: AddRepoInput): FakeRepo {
    if (!this.findUser(input.owner)) this.addAccount({ login: input.owner, type: 'Organization' });
    if (this.findRepo(input.owner, input.name)) throw new Error(`fake-github: repo ${input.owner}/${input.name} already exists`);
    const created = input.createdAt ?? '2024-01-01T00:00:00Z';
    const repo: FakeRepo = {
      id: this.nextRepoId++,
      owner: this.requireUser(input.owner).login,
      name: input.name,
      private: input.private ?? false,
      description: input.description ?? null,
      defaultBranch: input.defaultBranch ?? 'main',
      collaborators: input.collaborators ?? [],
      createdAt: created,
      updatedAt: input.updatedAt ?? input.pushedAt ?? created,
      pushedAt: input.pushedAt ?? created,
      archived: input.archived ?? false,
      fork: input.fork ?? false,
    };
    if (input.bare !== undefined) repo.bare = input.bare;
    this.repos.push(repo);
    return repo;
  }

  findRepo(owner: string, name: string): FakeRepo | undefined {
    const o = owner.toLowerCase();
    const n = name.toLowerCase();
    return this.repos.find((r) => r.owner.toLowerCase() === o && r.name.toLowerCase() === n);
  }

  /** What `login` may do with `repo`: owners admin, collaborators write, org members read; public repos readable by all. */
  access(repo: FakeRepo, login: string | undefined): RepoAccess {
    if (login !== undefined) {
      const l = login.toLowerCase();
      if (repo.owner.toLowerCase() === l) return 'admin';
      if (repo.collaborators.some((c) => c.toLowerCase() === l)) return 'write';
      const owner = this.findUser(repo.owner);
      if (owner?.members.some((m) => m.toLowerCase() === l)) return 'read';
    }
    return repo.private ? 'none' : 'read';
  }

  isOrgMember(repo: FakeRepo, login: string): boolean {
    const owner = this.findUser(repo.owner);
    return owner?.type === 'Organization' && owner.members.some((m) => m.toLowerCase() === login.toLowerCase());
  }

  issueToken(login: string, opts: { expiring?: boolean; scopes?: string[]; fromDevice?: boolean } = {}): IssuedToken {
    const user = this.requireUser(login);
    const expiring = opts.expiring ?? this.tokenKind === 'github-app';
    const kind: TokenKind = expiring ? 'github-app' : this.tokenKind;
    const prefix = kind === 'github-app' ? 'ghu_' : 'gho_';
    const token = prefix + randomBase62(36);
    const now = this.now();
    this.tokens.set(token, {
      token,
      login: user.login,
      kind,
      scopes: kind === 'github-app' ? [] : (opts.scopes ?? []),
      expiresAt: expiring ? now + ACCESS_TOKEN_TTL_S * 1000 : undefined,
      revoked: false,
    });
    if (!expiring) return { accessToken: token };
    const refresh = 'ghr_' + randomBase62(76);
    this.refreshTokens.set(refresh, {
      token: refresh,
      login: user.login,
      accessToken: token,
      expiresAt: now + REFRESH_TOKEN_TTL_S * 1000,
      used: false,
      fromDevice: opts.fromDevice ?? false,
    });
    return { accessToken: token, refreshToken: refresh };
  }

  /** Resolves an access token; expired, revoked and unknown tokens are all 'bad' (GitHub: 401 Bad credentials). */
  authenticateToken(token: string): Authentication {
    const record = this.tokens.get(token);
    if (!record || record.revoked) return { kind: 'bad' };
    if (record.expiresAt !== undefined && record.expiresAt <= this.now()) return { kind: 'bad' };
    const user = this.findUser(record.login);
    if (!user) return { kind: 'bad' };
    return { kind: 'user', user, token: record };
  }
}

/** Reads credentials the way GitHub does: `token X`, `Bearer X`, or Basic with the token as password (or as username). */
export function tokenFromAuthorization(header: string | undefined): string | undefined | null {
  if (!header) return undefined;
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (!scheme || !value) return null;
  const s = scheme.toLowerCase();
  if (s === 'token' || s === 'bearer') return value;
  if (s === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return decoded || null;
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    return password || username || null;
  }
  return null;
}

export function authenticateHeader(store: FakeStore, header: string | undefined): Authentication {
  const token = tokenFromAuthorization(header);
  if (token === undefined) return { kind: 'anonymous' };
  if (token === null) return { kind: 'bad' };
  return store.authenticateToken(token);
}
