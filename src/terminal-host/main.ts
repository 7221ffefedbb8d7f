// The terminal host's process (docs/terminal-host.md): `node dist/terminal-host/main.js --dir <DATA_DIR>/terminal-host`.
// Started by the web server when none runs, or as a service of its own (scripts/shellport-terminal-host.service,
// the `terminal-host` service in compose.yaml). It keeps running when the server exits.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { terminalUser } from '../config/terminal-user.js';
import { createPtyHost } from '../infra/pty-host.js';
import { startTerminalHost } from './host.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Exit status when another host already serves the socket. */
const ANOTHER_HOST_RUNS = 3;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      user: { type: 'string' },
      'idle-exit-seconds': { type: 'string', default: 'never' },
    },
  });
  const log = pino({ base: { process: 'terminal-host' }, level: process.env.LOG_LEVEL ?? 'info' });
  if (!values.dir) {
    process.stderr.write('Usage: terminal-host --dir <DATA_DIR>/terminal-host [--user <TERMINAL_USER>] [--idle-exit-seconds <n>|never]\n');
    process.exit(2);
  }
  const user = terminalUser().parse(values.user ?? process.env.TERMINAL_USER);
  const idle = values['idle-exit-seconds'];
  const idleExitMs = idle === 'never' ? null : Math.max(1, Number(idle)) * 1000;
  if (idleExitMs !== null && !Number.isFinite(idleExitMs)) throw new Error(`--idle-exit-seconds: a number or "never", not ${idle}`);
  const host = await startTerminalHost({
    dir: values.dir,
    ptyHost: createPtyHost({ user }),
    log,
    version: packageVersion(),
    idleExitMs,
    onStopped: () => process.exit(0),
  });
  // The host ignores the signals a terminal session or a closing server sends around; it ends on
  // SIGTERM (its own service stopping) after the terminals: they cannot outlive it.
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => {
    log.info({ terminals: host.terminals().length }, 'SIGTERM: the terminals end with the host');
    void host.stop('SIGTERM').then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  if ((error as { code?: string }).code === 'HOST_RUNNING') {
    // Its own status: a service manager must not start this again and again (RestartPreventExitStatus=3).
    process.stderr.write(`${(error as Error).message}; this one exits.\n`);
    process.exit(ANOTHER_HOST_RUNS);
  }
  process.stderr.write(`terminal host failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
