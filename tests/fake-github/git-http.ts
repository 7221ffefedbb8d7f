// Git smart HTTP (/{owner}/{repo}.git/info/refs, git-upload-pack, git-receive-pack) served by the real
// `git http-backend` as a CGI program (https://git-scm.com/docs/git-http-backend), behind GitHub's access rules:
// private or missing repo without valid credentials => 401 + WWW-Authenticate; no access => 404; push without
// write access => 403.
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendText } from './http-util.js';
import { authenticateHeader, type FakeStore } from './store.js';

export interface GitContext {
  store: FakeStore;
  /** Running http-backend processes, killed on close. */
  children: Set<ChildProcess>;
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const SERVICES = new Set(['git-upload-pack', 'git-receive-pack']);

export function isGitPath(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

function challenge(res: ServerResponse, message: string): void {
  sendText(res, 401, `${message}\n`, 'text/plain; charset=utf-8', { 'www-authenticate': 'Basic realm="GitHub"' });
}

export async function handleGit(ctx: GitContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const match = GIT_PATH.exec(url.pathname);
  if (!match) return sendText(res, 404, 'Not Found');
  const [, owner = '', name = '', action = ''] = match;
  const method = req.method ?? 'GET';
  const service = action === 'info/refs' ? (url.searchParams.get('service') ?? '') : action;
  if (!SERVICES.has(service)) {
    // GitHub does not serve the dumb HTTP protocol.
    req.resume();
    return sendText(res, 403, 'Please upgrade your git client.\n');
  }
  if ((action === 'info/refs' && method !== 'GET') || (action !== 'info/refs' && method !== 'POST')) {
    req.resume();
    return sendText(res, 405, 'Method Not Allowed\n');
  }
  const isPush = service === 'git-receive-pack';
  const auth = authenticateHeader(ctx.store, req.headers.authorization);
  const repo = ctx.store.findRepo(owner, name);
  const login = auth.kind === 'user' ? auth.user.login : undefined;
  const refuse = (status: number, message: string) => {
    req.resume();
    if (status === 401) challenge(res, message);
    else sendText(res, status, `${message}\n`);
  };

  if (auth.kind === 'bad') return refuse(401, 'Invalid username or token. Password authentication is not supported for Git operations.');
  const access = repo ? ctx.store.access(repo, login) : 'none';
  if (!repo || access === 'none') {
    // GitHub hides private repos: ask for credentials first, then say "not found".
    return auth.kind === 'anonymous' ? refuse(401, 'Authentication required.') : refuse(404, 'Repository not found.');
  }
  if (isPush) {
    if (auth.kind === 'anonymous') return refuse(401, 'Authentication required.');
    if (access === 'read') return refuse(403, `Permission to ${repo.owner}/${repo.name}.git denied to ${login}.`);
    if (repo.archived) return refuse(403, 'This repository was archived so it is read-only.');
  }
  if (!repo.bare) return refuse(404, 'Repository not found.');

  const bare = path.resolve(repo.bare);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: path.dirname(bare),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${path.basename(bare)}/${action}`,
    REQUEST_METHOD: method,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: isPush ? 'true' : 'false',
    GIT_CONFIG_KEY_1: 'uploadpack.allowFilter',
    GIT_CONFIG_VALUE_1: 'true',
  };
  if (login) {
    env.REMOTE_USER = login;
    env.GIT_HTTP_RECEIVE_PACK = isPush ? '1' : '0';
  }
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  // http-backend inflates gzip request bodies itself when told the encoding.
  const encoding = req.headers['content-encoding'];
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') {
    env.GIT_PROTOCOL = protocol;
    env.HTTP_GIT_PROTOCOL = protocol;
  }

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  ctx.children.add(child);
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 64) stderr.push(chunk);
  });
  child.stdin.on('error', () => {
    // The backend may exit before reading the whole request (e.g. on an error); its response says why.
  });
  req.pipe(child.stdin);
  res.on('close', () => {
    // Only when the client went away mid-response; after a complete response the backend exits on its own.
    if (!res.writableFinished && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let head = Buffer.alloc(0);
  let headersDone = false;
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headersDone = true;
    child.stdout.off('data', onData);
    let status = 200;
    const headers: OutgoingHttpHeaders = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else headers[key.toLowerCase()] = value;
    }
    res.writeHead(status, headers);
    const rest = head.subarray(end);
    if (rest.length > 0) res.write(rest);
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);

  await new Promise<void>((resolve) => {
    child.on('close', (code) => {
      ctx.children.delete(child);
      if (!headersDone) {
        if (!res.headersSent) sendText(res, 500, `git http-backend failed (${code}): ${Buffer.concat(stderr).toString('utf8')}`);
        else res.end();
      } else if (isPush && action === 'git-receive-pack' && code === 0) {
        const now = new Date(ctx.store.now()).toISOString().replace(/\.\d+Z$/, 'Z');
        repo.pushedAt = now;
        repo.updatedAt = now;
      }
      resolve();
    });
    child.on('error', (err) => {
      ctx.children.delete(child);
      if (!res.headersSent) sendText(res, 500, `could not start git http-backend: ${err.message}`);
      resolve();
    });
  });
}
