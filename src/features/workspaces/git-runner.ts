import type { FastifyBaseLogger } from 'fastify';
import { simpleGit, type SimpleGit, type StatusResult } from 'simple-git';
import { AppError } from '../../http/errors.js';
import { spawnIdentity, type TerminalUser } from '../../infra/terminal-user.js';
import { githubTimeout, inSeconds } from '../github/deadline.js';

/*
 * Every git command the server runs goes through here: simple-git 4 (argument arrays, no shell,
 * its unsafe-option checks left on), callers put `--` before positional arguments, and the owner's
 * token reaches git only through this command's environment as
 *   GIT_CONFIG_KEY_n=http.<GitHub web URL>/.extraHeader  GIT_CONFIG_VALUE_n=Authorization: Basic …
 * (https://git-scm.com/docs/git-config#Documentation/git-config.txt-httpextraHeader, scoped to the
 * GitHub host by git's URL matching). So it is never in argv (the process list), .git/config, the
 * remote URL or a log line, and every error text is scrubbed of it before it goes anywhere.
 *
 * The same environment turns off submodule recursion (a repository's .gitmodules, say one with
 * `update = !cmd`, which git refuses outright, must not break the server's own status, fetch or pull)
 * and bounds every HTTP transfer: nothing arriving for GITHUB_TIMEOUT_MS aborts it (git's
 * http.lowSpeedLimit/lowSpeedTime), and a command printing nothing for its stall timeout is killed.
 * close() stops every command still running (server shutdown).
 */

export interface GitProgress {
  /** git's words, lower case: counting, compressing, receiving, resolving, updating… */
  phase: string;
  percent: number;
  processed: number;
  total: number;
  /** While receiving: what has arrived and how fast, as git says it ("3.20 MiB", "1.10 MiB/s"). */
  received?: string;
  rate?: string;
}

export interface GitRunOptions {
  /** The owner's token: sent to the GitHub web host only, for this command only. */
  token?: string;
  signal?: AbortSignal;
  onProgress?: (progress: GitProgress) => void;
  /** Kill git after it has printed nothing for this long; default the runner's stallTimeoutMs (GIT_STALL_TIMEOUT_SECONDS). */
  stallTimeoutMs?: number;
  /** Take no optional locks (GIT_OPTIONAL_LOCKS=0, git's --no-optional-locks): a read beside another operation. */
  readOnly?: boolean;
}

export interface GitRunnerDeps {
  /** The base environment (PATH, HOME, locale) from config; nothing else of the server's environment. */
  baseEnv: Readonly<Record<string, string>>;
  githubWebUrl: string;
  stallTimeoutMs: number;
  /** GITHUB_TIMEOUT_MS: an HTTP transfer during which nothing arrives for this long is aborted. */
  networkTimeoutMs: number;
  log: FastifyBaseLogger;
  /** TERMINAL_USER: git runs as this account (which owns the workspaces) when it is not the server's own. */
  user?: TerminalUser | null;
}

/** A git command failed; `stderr` is already scrubbed of secrets. */
export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly aborted: boolean,
    /** The server stopped answering: git's low-speed limit, or no output for the stall timeout. */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

export function basicAuthHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/** Removes the token, its Basic form and any Authorization header value from text. */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of [secret, Buffer.from(`x-access-token:${secret}`).toString('base64'), encodeURIComponent(secret)]) {
      out = out.split(form).join('***');
    }
  }
  return out.replace(/(authorization:\s*)(basic|bearer|token)\s+\S+/gi, '$1$2 ***').replace(/(https?:\/\/)[^/\s@]+@/gi, '$1***@');
}

const PROGRESS_LINE = /^(?:remote:\s*)?([A-Za-z][A-Za-z ]*?):\s+(\d{1,3})% \((\d+)\/(\d+)\)(?:,\s+([\d.]+ [KMGT]?i?B)(?:\s+\|\s+([\d.]+ [KMGT]?i?B\/s))?)?/;

/** Parses git's --progress output (lines end in \r while a phase runs, \n when it is done). */
export function createProgressParser(onProgress: (progress: GitProgress) => void) {
  let pending = '';
  let last = '';
  return (chunk: Buffer | string) => {
    pending += chunk.toString();
    const parts = pending.split(/[\r\n]/);
    pending = parts.pop() ?? '';
    for (const line of parts) {
      const match = PROGRESS_LINE.exec(line.trim());
      if (!match) continue;
      const progress: GitProgress = {
        phase: match[1]!.toLowerCase().split(' ')[0]!,
        percent: Math.min(100, Number(match[2])),
        processed: Number(match[3]),
        total: Number(match[4]),
        ...(match[5] ? { received: match[5] } : {}),
        ...(match[6] ? { rate: match[6] } : {}),
      };
      const key = `${progress.phase}:${progress.percent}:${progress.received ?? ''}`;
      if (key === last) continue;
      last = key;
      onProgress(progress);
    }
  };
}

// curl's words when http.lowSpeedTime passed without data ("Operation too slow. Less than 1 bytes/sec…").
const TRANSFER_STALLED = /operation too slow|curl 28\b/i;

export function createGitRunner({ baseEnv, githubWebUrl, stallTimeoutMs, networkTimeoutMs, log, user = null }: GitRunnerDeps) {
  const identity = spawnIdentity(user);
  const githubPrefix = `${githubWebUrl.replace(/\/+$/, '')}/`;
  const closed = new AbortController();

  function environment(token: string | undefined, { readOnly = false }: { readOnly?: boolean } = {}): Record<string, string> {
    const env: Record<string, string> = {
      ...baseEnv,
      ...(readOnly ? { GIT_OPTIONAL_LOCKS: '0' } : {}),
      // Never wait for a password on a terminal nobody looks at.
      GIT_TERMINAL_PROMPT: '0',
      // Only http(s) transports: a pasted ext:: or file:// URL cannot run commands or read the server's disk.
      GIT_ALLOW_PROTOCOL: 'https:http',
      LC_ALL: 'C',
    };
    const config: Array<[string, string]> = [
      ['submodule.recurse', 'false'],
      ['fetch.recurseSubmodules', 'false'],
      // Aborted when less than 1 byte a second arrives for the whole deadline: a server that stopped
      // answering, not a slow one (GitHub sends progress or keep-alives while it prepares a pack).
      ['http.lowSpeedLimit', '1'],
      ['http.lowSpeedTime', String(Math.max(1, Math.ceil(networkTimeoutMs / 1000)))],
    ];
    if (token) config.push([`http.${githubPrefix}.extraHeader`, basicAuthHeader(token)]);
    if (config.length > 0) {
      env.GIT_CONFIG_COUNT = String(config.length);
      config.forEach(([key, value], index) => {
        env[`GIT_CONFIG_KEY_${index}`] = key;
        env[`GIT_CONFIG_VALUE_${index}`] = value;
      });
    }
    return env;
  }

  function client(baseDir: string, options: GitRunOptions): SimpleGit {
    const env = environment(options.token, { readOnly: options.readOnly });
    const git = simpleGit({
      baseDir,
      maxConcurrentProcesses: 1,
      ...('uid' in identity ? { spawnOptions: identity } : {}),
      abort: options.signal ? AbortSignal.any([options.signal, closed.signal]) : closed.signal,
      timeout: { block: options.stallTimeoutMs ?? stallTimeoutMs },
      // The only environment-borne config is our own extraHeader (checked by simple-git like any other).
      unsafe: { allowUnsafeConfigEnvCount: true },
      allowEnvironment: Object.keys(env).filter((key) => key.startsWith('GIT_')),
    }).env(env);
    if (options.onProgress) {
      const parse = createProgressParser(options.onProgress);
      git.outputHandler((_command, _stdout, stderr) => {
        stderr.on('data', parse);
      });
    }
    return git;
  }

  /** Runs one simple-git task in `dir`; rejects GitCommandError with scrubbed stderr. */
  async function attempt<T>(dir: string, command: string, options: GitRunOptions, task: (git: SimpleGit) => Promise<T>): Promise<T> {
    try {
      return await task(client(dir, options));
    } catch (error) {
      const raw = error instanceof Error ? error.message : String(error);
      const text = scrubSecrets(raw, [options.token]).trim();
      const plugin = (error as { plugin?: string }).plugin ?? '';
      const aborted = options.signal?.aborted === true || closed.signal.aborted || /abort/i.test(plugin);
      const timedOut = !aborted && (plugin === 'timeout' || TRANSFER_STALLED.test(text));
      log.debug({ command, aborted, timedOut }, 'git command failed');
      throw new GitCommandError(text || `git ${command} failed`, text, aborted, timedOut);
    }
  }

  /** Runs `git <args>` in `dir`; resolves stdout, rejects GitCommandError with scrubbed stderr. */
  async function run(dir: string, args: string[], options: GitRunOptions = {}): Promise<string> {
    return attempt(dir, args[0] ?? '', options, (git) => git.raw(args));
  }

  /**
   * `git status` as simple-git parses it (branch, tracking, ahead/behind, files with their index and
   * work-tree letters); `args` go after simple-git's own (`--porcelain -b -u --null`), so they can override them.
   */
  async function status(dir: string, args: string[], options: GitRunOptions = {}): Promise<StatusResult> {
    return attempt(dir, 'status', options, (git) => git.status(args));
  }

  return {
    run,
    status,
    environment,
    networkTimeoutMs,
    /** Git runs as the shells' own account (TERMINAL_USER), not the server's: read workspace files through it, not with the server's rights. */
    runsAsOtherUser: 'uid' in identity,
    /** Stops every git command running now or started later (server shutdown). */
    close(): void {
      closed.abort();
    },
  };
}

export type GitRunner = ReturnType<typeof createGitRunner>;

/**
 * Turns git's stderr into an API error that says what happened and what to do; git's own last lines
 * go with it as `details.gitMessage` (a hint when the explanation is not enough). `server` names the
 * remote in a timeout: GitHub (504 github_timeout) or another git server (504 git_server_timeout).
 */
export function describeGitFailure(error: unknown, action: string, server: { isGitHub: boolean; timeoutMs: number } | null = null): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof GitCommandError && error.timedOut && server) {
    if (server.isGitHub) return githubTimeout(server.timeoutMs, action);
    return new AppError(504, 'git_server_timeout', `${action} failed: the git server did not answer within ${inSeconds(server.timeoutMs)}; try again later.`);
  }
  const stderr = error instanceof GitCommandError ? error.stderr : '';
  const lastLines = stderr
    .split(/[\r\n]/)
    .map((line) => line.trim())
    .filter((line) => line && !/^(cloning into|remote: (counting|compressing|enumerating|total))/i.test(line) && !PROGRESS_LINE.test(line))
    .slice(-3)
    .join(' ');
  const fail = (status: number, code: string, message: string) => new AppError(status, code, message, lastLines ? { gitMessage: lastLines } : undefined);
  if (/repository '.*' not found|repository not found|HTTP 404|returned error: 404/i.test(stderr)) {
    return fail(404, 'repository_not_found', `${action} failed: the repository does not exist, or your GitHub token cannot read it. Check the name and your access on GitHub.`);
  }
  if (/authentication failed|could not read username|HTTP 401|returned error: 401|terminal prompts disabled/i.test(stderr)) {
    return fail(
      401,
      'git_authentication_failed',
      `${action} failed: the git server refused the credentials. If this is a GitHub repository, sign in with GitHub again to renew the token; other servers need a public URL.`,
    );
  }
  if (/HTTP 403|returned error: 403|permission to .* denied/i.test(stderr)) {
    return fail(403, 'git_permission_denied', `${action} failed: your GitHub account has no access for this operation.`);
  }
  if (/not possible to fast-forward|diverging branches|not possible because you have unmerged files/i.test(stderr)) {
    return fail(
      409,
      'pull_not_fast_forward',
      `${action} refused: the branch has diverged from its upstream and cannot be fast-forwarded. Open a terminal in the workspace to merge or rebase.`,
    );
  }
  if (/would be overwritten|please commit your changes or stash them/i.test(stderr)) {
    return fail(409, 'local_changes', `${action} refused: uncommitted changes would be overwritten. Commit or stash them in a terminal first.`);
  }
  if (/no tracking information|no upstream/i.test(stderr)) {
    return fail(409, 'no_upstream', `${action} refused: the current branch has no upstream branch on origin.`);
  }
  if (/invalid reference|did not match any|not a commit|unknown revision/i.test(stderr)) {
    return fail(404, 'branch_not_found', `${action} failed: no such branch locally or on origin.`);
  }
  if (/could not resolve host|couldn't connect|connection refused|timed out|failed to connect/i.test(stderr)) {
    return fail(502, 'git_server_unreachable', `${action} failed: the git server could not be reached. Check the URL's host name and port, or try again later if the server is down.`);
  }
  if (error instanceof GitCommandError && error.aborted) {
    return fail(409, 'git_cancelled', `${action} was cancelled.`);
  }
  return fail(502, 'git_failed', `${action} failed${lastLines ? `; git said: ${lastLines}` : '.'}`);
}
