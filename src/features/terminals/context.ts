import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../infra/database/client.js';
import { AppError, notFound } from '../../http/errors.js';

/** Where a terminal starts and what it may see, beyond Shellport's clean base environment. */
export interface TerminalContext {
  /** Absolute working directory; must exist. */
  cwd: string;
  /** Extra variables for the shell (workspace variables, a git credential helper's secret…). */
  env: Record<string, string>;
  /**
   * SHA-256 (hex) of the secret put in `env` for the terminal to prove itself to this server (git
   * credentials, agent hooks); stored on the terminal's row, which outlives the server. Null: none.
   */
  secretDigest?: string | null;
}

/**
 * Resolves a terminal's context. The workspaces feature supplies its own (workspace directory,
 * its variables, git credentials); `createDefaultContextProvider` is the stand-alone default.
 * Throw an AppError (e.g. 404 `not_found`) to refuse.
 */
export interface TerminalContextProvider {
  resolve(workspaceId: string | null, terminalId: string): Promise<TerminalContext>;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** No workspace: the owner's home (else DATA_DIR). A workspace: its `localPath`. No extra variables. */
export function createDefaultContextProvider({ db, dataDir }: { db: Database; dataDir: string }): TerminalContextProvider {
  return {
    async resolve(workspaceId) {
      if (workspaceId === null) {
        const home = os.homedir();
        return { cwd: home && (await isDirectory(home)) ? home : dataDir, env: {} };
      }
      const workspace = await db.workspace.findUnique({ where: { id: workspaceId }, select: { localPath: true } });
      if (!workspace) throw notFound(`No workspace with id ${workspaceId}: list workspaces to find its id.`);
      return { cwd: workspace.localPath, env: {} };
    },
  };
}

/** Throws unless `cwd` is an existing directory. */
export async function ensureWorkingDirectory(cwd: string): Promise<void> {
  if (!path.isAbsolute(cwd) || !(await isDirectory(cwd))) {
    throw new AppError(409, 'working_directory_missing', `The terminal's directory ${cwd} does not exist: wait for the workspace to finish cloning, or re-clone it.`);
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIXED = new Set(['TERM', 'COLORTERM', 'SHELL', 'PWD']);

/**
 * The shell's whole environment: the allow-listed base (from config, never the server's own
 * environment), then the context's variables, then the fixed terminal variables.
 */
export function buildShellEnv(base: Readonly<Record<string, string>>, contextEnv: Record<string, string>, shell: string): Record<string, string> {
  const env: Record<string, string> = { ...base };
  if (!env.HOME) env.HOME = os.homedir();
  if (!env.USER) env.USER = os.userInfo().username;
  if (!env.LOGNAME) env.LOGNAME = env.USER;
  for (const [name, value] of Object.entries(contextEnv)) {
    if (ENV_NAME.test(name) && !FIXED.has(name) && typeof value === 'string' && !value.includes('\0')) env[name] = value;
  }
  if (!env.LANG) env.LANG = 'C.UTF-8';
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env.SHELL = shell;
  return env;
}

/** Allowed shells: the executable entries of the shells file, plus bash and sh found on PATH. */
export async function listAllowedShells(shellsFile: string, searchPath: string): Promise<string[]> {
  const candidates: string[] = [];
  try {
    for (const line of (await readFile(shellsFile, 'utf8')).split('\n')) {
      const entry = line.trim();
      if (entry && !entry.startsWith('#') && path.isAbsolute(entry)) candidates.push(entry);
    }
  } catch {
    // no shells file: bash and sh from PATH only
  }
  for (const name of ['bash', 'sh']) {
    for (const dir of searchPath.split(':')) {
      if (dir && path.isAbsolute(dir)) candidates.push(path.join(dir, name));
    }
  }
  const allowed: string[] = [];
  for (const candidate of candidates) {
    if (allowed.includes(candidate)) continue;
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) allowed.push(candidate);
    } catch {
      // not installed
    }
  }
  return allowed;
}

/** Matches a requested shell (an absolute path or a name such as `zsh`) against the allow-list. */
export function findShell(requested: string, allowed: string[]): string | null {
  if (requested.includes('/')) return allowed.includes(requested) ? requested : null;
  return allowed.find((shell) => path.basename(shell) === requested) ?? null;
}
