import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../http/errors.js';
import { spawnIdentity, type TerminalUser } from '../../infra/terminal-user.js';
import type { HookInstallAgent, HooksChangeResponse, HooksResponse } from '../../shared/attention.js';

/** scripts/shellport.mjs, the same relative location from src/ and dist/. */
export const SHELLPORT_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/shellport.mjs');

export interface HookInstallerDeps {
  /** The terminals' account (TERMINAL_USER), or null for the server's own. */
  user: TerminalUser | null;
  /** Its home directory, where ~/.claude and ~/.codex are. */
  home: string;
  /** The PATH its commands get. */
  path: string;
  nodePath?: string;
  script?: string;
}

/**
 * /api/hooks does what `shellport hooks … --json` does in a terminal, by running that very command
 * (scripts/shellport.mjs, with its pure merge functions) as the terminals' account, in its home: the
 * settings files are that account's, and the server does no file work in its trees with its own rights
 * (docs/security.md). One implementation, one behaviour, wherever the owner asks.
 */
export function createHookInstaller(deps: HookInstallerDeps) {
  const nodePath = deps.nodePath ?? process.execPath;
  const script = deps.script ?? SHELLPORT_SCRIPT;

  function run(args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      execFile(
        nodePath,
        [script, 'hooks', ...args, '--json'],
        {
          ...spawnIdentity(deps.user),
          cwd: '/',
          env: { HOME: deps.home, PATH: deps.path, LANG: 'C.UTF-8' },
          timeout: 15_000,
          maxBuffer: 4 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          let parsed: { error?: { message?: string } } | null = null;
          try {
            parsed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { error?: { message?: string } };
          } catch {
            parsed = null;
          }
          if (parsed && !parsed.error && !error) return resolve(parsed);
          const message = parsed?.error?.message ?? (stderr.trim().replace(/^shellport: /, '') || error?.message || 'shellport hooks failed');
          reject(new AppError(409, 'hooks_not_changed', `The agent's settings were not changed: ${message}`));
        },
      );
    });
  }

  return {
    show: () => run(['show']) as Promise<HooksResponse>,
    install: (agent: HookInstallAgent) => run(['install', agent, '--yes']) as Promise<HooksChangeResponse>,
    uninstall: (agent: HookInstallAgent) => run(['uninstall', agent, '--yes']) as Promise<HooksChangeResponse>,
  };
}

export type HookInstaller = ReturnType<typeof createHookInstaller>;
