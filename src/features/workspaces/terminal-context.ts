import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TERMINAL_HOOK_ROUTE } from '../../shared/attention.js';
import { createTerminalSecret } from './credentials.js';
import type { WorkspaceService } from './service.js';

/** The interface the terminals feature calls for each new terminal (see src/features/terminals). */
export interface TerminalContextProvider {
  resolve(workspaceId: string | null, sessionId: string): Promise<{ cwd: string; env: Record<string, string>; secretDigest?: string | null }>;
}

const SCRIPTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts');
/** scripts/git-credential-shellport, the same relative location from src/ and dist/. */
export const CREDENTIAL_HELPER_PATH = path.join(SCRIPTS_DIR, 'git-credential-shellport');
/** scripts/terminal-bin: put first on every terminal's PATH; holds the `shellport` command (scripts/shellport.mjs). */
export const TERMINAL_BIN_DIR = path.join(SCRIPTS_DIR, 'terminal-bin');

export const CREDENTIAL_ROUTE = '/internal/git-credential';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A loopback URL of one of this server's routes for terminals, or null while it is not listening. */
function loopbackUrl(address: string | AddressInfo | null, route: string): string | null {
  if (!address || typeof address === 'string') return null;
  let host = address.address;
  if (host === '0.0.0.0' || host === '::' || host === '::ffff:0.0.0.0') host = '127.0.0.1';
  if (host.includes(':')) host = `[${host}]`;
  return `http://${host}:${address.port}${route}`;
}

/**
 * The git part of a terminal's environment: a credential helper for the GitHub host only (the empty
 * first entry resets helpers from the owner's other git config for that host), the repository path
 * in each request (useHttpPath: the server answers only for the workspace's own repository), the
 * endpoint and the session's secret. Nothing here is the token.
 */
export function gitCredentialEnv(options: { webUrl: string; nodePath: string; helperPath: string; credentialUrl: string; secret: string }): Record<string, string> {
  const section = `credential.${options.webUrl.replace(/\/+$/, '')}`;
  return {
    GIT_CONFIG_COUNT: '3',
    GIT_CONFIG_KEY_0: `${section}.helper`,
    GIT_CONFIG_VALUE_0: '',
    GIT_CONFIG_KEY_1: `${section}.helper`,
    GIT_CONFIG_VALUE_1: `!${shellQuote(options.nodePath)} ${shellQuote(options.helperPath)}`,
    GIT_CONFIG_KEY_2: `${section}.useHttpPath`,
    GIT_CONFIG_VALUE_2: 'true',
    SHELLPORT_CREDENTIAL_URL: options.credentialUrl,
    SHELLPORT_CREDENTIAL_SECRET: options.secret,
  };
}

export interface TerminalContextDeps {
  service: WorkspaceService;
  webUrl: string;
  /** The server's listening address (app.server.address()), read at each call. */
  serverAddress: () => string | AddressInfo | null;
  /** Where a terminal without a workspace starts; `fallbackDir` (DATA_DIR) when it does not exist. */
  homeDir: string;
  fallbackDir: string;
  /** The terminals' PATH (TERMINAL_PASS_ENV's or the default), after which `shellport` is found. */
  basePath: string;
  nodePath?: string;
  helperPath?: string;
  terminalBinDir?: string;
}

async function homeOrFallback(home: string, fallback: string): Promise<string> {
  const info = await stat(home).catch(() => null);
  return info?.isDirectory() ? home : fallback;
}

/**
 * Each terminal's context: its directory and variables (a workspace's own), git credentials, and the
 * `shellport` command (agent hooks, issue 20): scripts/terminal-bin first on PATH, SHELLPORT_NODE
 * (this server's node, which runs it), and SHELLPORT_HOOK_URL. The terminal's one secret
 * (SHELLPORT_CREDENTIAL_SECRET) serves git and the hooks; its digest goes on the terminal's row.
 */
export function createTerminalContextProvider(deps: TerminalContextDeps): TerminalContextProvider {
  const nodePath = deps.nodePath ?? process.execPath;
  const helperPath = deps.helperPath ?? CREDENTIAL_HELPER_PATH;
  const terminalBinDir = deps.terminalBinDir ?? TERMINAL_BIN_DIR;
  return {
    async resolve(workspaceId) {
      const context: { cwd: string; env: Record<string, string> } = workspaceId
        ? await deps.service.terminalContext(workspaceId)
        : { cwd: await homeOrFallback(deps.homeDir, deps.fallbackDir), env: {} };
      const address = deps.serverAddress();
      const credentialUrl = loopbackUrl(address, CREDENTIAL_ROUTE);
      const hookUrl = loopbackUrl(address, TERMINAL_HOOK_ROUTE);
      // A workspace's own PATH, if it sets one, still comes after `shellport`.
      const env: Record<string, string> = { ...context.env, PATH: `${terminalBinDir}:${context.env.PATH ?? deps.basePath}`, SHELLPORT_NODE: nodePath };
      if (!credentialUrl || !hookUrl) return { cwd: context.cwd, env, secretDigest: null };
      const { secret, digest } = createTerminalSecret();
      Object.assign(env, gitCredentialEnv({ webUrl: deps.webUrl, nodePath, helperPath, credentialUrl, secret }), { SHELLPORT_HOOK_URL: hookUrl });
      return { cwd: context.cwd, env, secretDigest: digest };
    },
  };
}
