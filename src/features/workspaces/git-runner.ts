import type { FastifyBaseLogger } from 'fastify';
import { simpleGit, type SimpleGit } from 'simple-git';
import { AppError } from '../../http/errors.js';

/*
 * Every git command the server runs goes through here: simple-git 4 (argument arrays, no shell,
 * its unsafe-option checks left on), callers put `--` before positional arguments, and the owner's
 * token reaches git only through this command's environment as
 *   GIT_CONFIG_KEY_n=http.<GitHub web URL>/.extraHeader  GIT_CONFIG_VALUE_n=Authorization: Basic …
 * (https://git-scm.com/docs/git-config#Documentation/git-config.txt-httpextraHeader, scoped to the
 * GitHub host by git's URL matching). So it is never in argv (the process list), .git/config, the
 * remote URL or a log line, and every error text is scrubbed of it before it goes anywhere.
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
}

export interface GitRunnerDeps {
  /** The base environment (PATH, HOME, locale) from config; nothing else of the server's environment. */
  baseEnv: Readonly<Record<string, string>>;
  githubWebUrl: string;
  stallTimeoutMs: number;
  log: FastifyBaseLogger;
}

/** A git command failed; `stderr` is already scrubbed of secrets. */
export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly aborted: boolean,
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

export function createGitRunner({ baseEnv, githubWebUrl, stallTimeoutMs, log }: GitRunnerDeps) {
  const githubPrefix = `${githubWebUrl.replace(/\/+$/, '')}/`;

  function environment(token: string | undefined): Record<string, string> {
    const env: Record<string, string> = {
      ...baseEnv,
      // Never wait for a password on a terminal nobody looks at.
      GIT_TERMINAL_PROMPT: '0',
      // Only http(s) transports: a pasted ext:: or file:// URL cannot run commands or read the server's disk.
      GIT_ALLOW_PROTOCOL: 'https:http',
      LC_ALL: 'C',
    };
    const config: Array<[string, string]> = [];
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
    const env = environment(options.token);
    const git = simpleGit({
      baseDir,
      maxConcurrentProcesses: 1,
      abort: options.signal,
      timeout: { block: stallTimeoutMs },
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

  /** Runs `git <args>` in `dir`; resolves stdout, rejects GitCommandError with scrubbed stderr. */
  async function run(dir: string, args: string[], options: GitRunOptions = {}): Promise<string> {
    try {
      return await client(dir, options).raw(args);
    } catch (error) {
      const raw = error instanceof Error ? error.message : String(error);
      const text = scrubSecrets(raw, [options.token]).trim();
      const aborted = options.signal?.aborted === true || /abort/i.test((error as { task?: unknown; plugin?: string }).plugin ?? '');
      log.debug({ command: args[0], aborted }, 'git command failed');
      throw new GitCommandError(text || `git ${args[0]} failed`, text, aborted);
    }
  }

  return { run, environment };
}

export type GitRunner = ReturnType<typeof createGitRunner>;

/** Turns git's stderr into an API error that says what happened and what to do. */
export function describeGitFailure(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  const stderr = error instanceof GitCommandError ? error.stderr : '';
  const lastLines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^(cloning into|remote: (counting|compressing|enumerating|total))/i.test(line))
    .slice(-3)
    .join(' ');
  if (/repository '.*' not found|repository not found|HTTP 404|returned error: 404/i.test(stderr)) {
    return new AppError(404, 'repository_not_found', `${action} failed: the repository does not exist, or your GitHub token cannot read it. Check the name and your access on GitHub.`);
  }
  if (/authentication failed|could not read username|HTTP 401|returned error: 401|terminal prompts disabled/i.test(stderr)) {
    return new AppError(
      401,
      'git_authentication_failed',
      `${action} failed: the git server refused the credentials. If this is a GitHub repository, sign in with GitHub again to renew the token; other servers need a public URL.`,
    );
  }
  if (/HTTP 403|returned error: 403|permission to .* denied/i.test(stderr)) {
    return new AppError(403, 'git_permission_denied', `${action} failed: your GitHub account has no access for this operation.`);
  }
  if (/not possible to fast-forward|diverging branches|not possible because you have unmerged files/i.test(stderr)) {
    return new AppError(
      409,
      'pull_not_fast_forward',
      `${action} refused: the branch has diverged from its upstream and cannot be fast-forwarded. Open a terminal in the workspace to merge or rebase.`,
    );
  }
  if (/would be overwritten|please commit your changes or stash them/i.test(stderr)) {
    return new AppError(409, 'local_changes', `${action} refused: uncommitted changes would be overwritten. Commit or stash them in a terminal first.`);
  }
  if (/no tracking information|no upstream/i.test(stderr)) {
    return new AppError(409, 'no_upstream', `${action} refused: the current branch has no upstream branch on origin.`);
  }
  if (/invalid reference|did not match any|not a commit|unknown revision/i.test(stderr)) {
    return new AppError(404, 'branch_not_found', `${action} failed: no such branch locally or on origin.`);
  }
  if (/could not resolve host|couldn't connect|connection refused|timed out|failed to connect/i.test(stderr)) {
    return new AppError(502, 'git_server_unreachable', `${action} failed: the git server could not be reached. Check the URL's host name and port, or try again later if the server is down.`);
  }
  if (error instanceof GitCommandError && error.aborted) {
    return new AppError(409, 'git_cancelled', `${action} was cancelled.`);
  }
  return new AppError(502, 'git_failed', `${action} failed${lastLines ? `: ${lastLines}` : '.'}`);
}
