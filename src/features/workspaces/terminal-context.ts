import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CredentialBroker } from './credentials.js';
import type { WorkspaceService } from './service.js';

/** The interface the terminals feature calls for each new terminal (see src/features/terminals). */
export interface TerminalContextProvider {
  resolve(workspaceId: string | null, sessionId: string): Promise<{ cwd: string; env: Record<string, string> }>;
}

/** scripts/git-credential-shellport, the same relative location from src/ and dist/. */
export const CREDENTIAL_HELPER_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/git-credential-shellport');

export const CREDENTIAL_ROUTE = '/internal/git-credential';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A loopback URL of this server's credential endpoint, or null while it is not listening. */
export function loopbackCredentialUrl(address: string | AddressInfo | null): string | null {
  if (!address || typeof address === 'string') return null;
  let host = address.address;
  if (host === '0.0.0.0' || host === '::' || host === '::ffff:0.0.0.0') host = '127.0.0.1';
  if (host.includes(':')) host = `[${host}]`;
  return `http://${host}:${address.port}${CREDENTIAL_ROUTE}`;
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
  broker: CredentialBroker;
  webUrl: string;
  /** The server's listening address (app.server.address()), read at each call. */
  serverAddress: () => string | AddressInfo | null;
  /** Where a terminal without a workspace starts; `fallbackDir` (DATA_DIR) when it does not exist. */
  homeDir: string;
  fallbackDir: string;
  nodePath?: string;
  helperPath?: string;
}

async function homeOrFallback(home: string, fallback: string): Promise<string> {
  const info = await stat(home).catch(() => null);
  return info?.isDirectory() ? home : fallback;
}

export function createTerminalContextProvider(deps: TerminalContextDeps): TerminalContextProvider {
  const nodePath = deps.nodePath ?? process.execPath;
  const helperPath = deps.helperPath ?? CREDENTIAL_HELPER_PATH;
  return {
    async resolve(workspaceId, sessionId) {
      const context = workspaceId ? await deps.service.terminalContext(workspaceId) : { cwd: await homeOrFallback(deps.homeDir, deps.fallbackDir), env: {} };
      const credentialUrl = loopbackCredentialUrl(deps.serverAddress());
      const env: Record<string, string> = { ...context.env };
      if (credentialUrl) {
        Object.assign(env, gitCredentialEnv({ webUrl: deps.webUrl, nodePath, helperPath, credentialUrl, secret: deps.broker.issue(sessionId, workspaceId) }));
      }
      return { cwd: context.cwd, env };
    },
  };
}
