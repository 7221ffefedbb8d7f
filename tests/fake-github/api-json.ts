// What the REST API's handlers share (rest-api.ts, pulls.ts): the request context, GitHub's error body and
// the JSON of users and repositories.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-util.js';
import type { Authentication, FakeStore } from './store.js';
import type { PullStore } from './pulls.js';
import type { FakeRepo, FakeUser } from './types.js';

export interface ApiContext {
  store: FakeStore;
  baseUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  rateLimited: boolean;
  rateWindows: Map<string, { resetAt: number; used: number }>;
  /** Pull requests per repository (pulls.ts). */
  pulls: PullStore;
}

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path below /api/v3, e.g. /user/repos. */
  path: string;
  query: URLSearchParams;
  body: string;
}

export const DOCS = 'https://docs.github.com/rest';

export type Handler = (ctx: ApiContext, r: ApiRequest, auth: Authentication, params: string[], headers: Record<string, string>) => void | Promise<void>;

export function error(res: ServerResponse, status: number, message: string, documentationUrl: string, headers: Record<string, string>, extra: object = {}): void {
  sendJson(res, status, { message, ...extra, documentation_url: documentationUrl, status: String(status) }, headers);
}

export function userJson(ctx: ApiContext, user: FakeUser) {
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:${user.type}${user.id}`).toString('base64'),
    avatar_url: user.avatarUrl,
    gravatar_id: '',
    url: `${ctx.apiUrl}/users/${user.login}`,
    html_url: `${ctx.baseUrl}/${user.login}`,
    repos_url: `${ctx.apiUrl}/users/${user.login}/repos`,
    type: user.type,
    site_admin: false,
    name: user.name,
  };
}

export function repoJson(ctx: ApiContext, repo: FakeRepo, login: string | undefined) {
  const owner = ctx.store.requireUser(repo.owner);
  const access = ctx.store.access(repo, login);
  const fullName = `${repo.owner}/${repo.name}`;
  const json: Record<string, unknown> = {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: fullName,
    private: repo.private,
    owner: userJson(ctx, owner),
    html_url: `${ctx.baseUrl}/${fullName}`,
    description: repo.description,
    fork: repo.fork,
    url: `${ctx.apiUrl}/repos/${fullName}`,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
    git_url: `git://${new URL(ctx.baseUrl).host}/${fullName}.git`,
    ssh_url: `git@${new URL(ctx.baseUrl).hostname}:${fullName}.git`,
    clone_url: `${ctx.baseUrl}/${fullName}.git`,
    size: 0,
    archived: repo.archived,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    default_branch: repo.defaultBranch,
  };
  if (login !== undefined) {
    json.permissions = {
      admin: access === 'admin',
      maintain: access === 'admin',
      push: access === 'admin' || access === 'write',
      triage: access === 'admin' || access === 'write',
      pull: access !== 'none',
    };
  }
  return json;
}

export function loginOf(auth: Authentication): string | undefined {
  return auth.kind === 'user' ? auth.user.login : undefined;
}

