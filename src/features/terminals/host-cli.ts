// `npm run terminal-host -- status|restart [--yes]` (scripts/cli.mjs, tool `terminal-host`): the
// terminal host seen from its own machine, over its socket with the token in DATA_DIR/terminal-host
// (docs/terminal-host.md, "Restarting the host on purpose"). While a Shellport server runs it holds
// the host's one connection, so these commands then point to Operations instead of taking it over.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfigOrExit, type Config } from '../../config/index.js';
import { createPrismaClient } from '../../infra/database/client.js';
import { createTerminalHostClient, type HostedTerminalInfo } from '../../infra/terminal-host-client.js';
import { socketAnswers } from './host-routes.js';

const USAGE = `Usage: npm run terminal-host -- <command>
  status           the running terminal host: pid, version, protocol, since when, its terminals
  restart          list the terminals a restart of the host would end
  restart --yes    end every terminal and the host (the next terminal starts a new one)
Run these with the Shellport server stopped; while it runs, use Operations → Terminal host.`;

export interface HostCliOptions {
  /** Defaults to the environment's (as the server reads it). */
  config?: Config;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

interface Described extends HostedTerminalInfo {
  name: string | null;
  workspaceName: string | null;
}

/** Names and workspaces of the terminals from the database, when there is one to read. */
async function describeTerminals(config: Config, terminals: HostedTerminalInfo[]): Promise<Described[]> {
  const plain = terminals.map((terminal) => ({ ...terminal, name: null, workspaceName: null }));
  if (terminals.length === 0 || !existsSync(config.storage.databaseFile)) return plain;
  const db = createPrismaClient(config.storage.databaseFile);
  try {
    const rows = await db.terminal.findMany({ where: { id: { in: terminals.map((terminal) => terminal.id) } }, select: { id: true, name: true, workspaceId: true } });
    const workspaceIds = [...new Set(rows.map((row) => row.workspaceId).filter((id): id is string => id !== null))];
    const workspaces = await db.workspace.findMany({ where: { id: { in: workspaceIds } }, select: { id: true, name: true } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    const workspaceNames = new Map(workspaces.map((workspace) => [workspace.id, workspace.name]));
    return terminals.map((terminal) => {
      const row = byId.get(terminal.id);
      return { ...terminal, name: row?.name ?? null, workspaceName: row?.workspaceId ? (workspaceNames.get(row.workspaceId) ?? null) : null };
    });
  } catch {
    return plain;
  } finally {
    await db.$disconnect();
  }
}

function terminalLine(terminal: Described): string {
  const name = terminal.name ?? 'terminal';
  const where = terminal.workspaceName ? ` in ${terminal.workspaceName}` : '';
  return `  ${name}${where} — shell pid ${terminal.pid}, started ${terminal.startedAt} (${terminal.id})`;
}

/** The entry point scripts/cli.mjs calls. Exit status: 0 done, 1 failed or refused, 2 wrong usage. */
export async function runTerminalHostCli(argv: string[], options: HostCliOptions = {}): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const err = options.err ?? ((text: string) => process.stderr.write(`${text}\n`));
  const [command, ...flags] = argv;
  const known = command === 'status' ? [] : command === 'restart' ? ['--yes'] : null;
  if (!command || command === 'help' || command === '--help' || known === null || flags.some((flag) => !known.includes(flag))) {
    (command === 'help' || command === '--help' ? out : err)(USAGE);
    return command === 'help' || command === '--help' ? 0 : 2;
  }
  const config = options.config ?? loadConfigOrExit(2);
  if (config.terminals.host === 'in-process') {
    out('TERMINAL_HOST=in-process: the terminals run inside the server and end with it; there is no terminal host.');
    return 0;
  }
  const dir = path.join(config.storage.dataDir, 'terminal-host');
  const socketPath = path.join(dir, 'host.sock');
  if (!(await socketAnswers(socketPath))) {
    const next = config.terminals.host === 'service' ? 'start its service (TERMINAL_HOST=service)' : 'the next terminal starts one';
    out(`No terminal host is running on ${socketPath}; ${next}.${command === 'restart' ? ' Nothing to restart.' : ''}`);
    return 0;
  }
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  // A control connection: beside a running server's, which it never replaces (the server records the ends it sees).
  const client = createTerminalHostClient({ dir, log: quiet, window: 64 * 1024, start: 'never', user: null, connectTimeoutMs: 3_000, control: true });
  try {
    try {
      await client.connect();
    } catch (error) {
      err(`${(error as Error).message}${/restart/i.test((error as Error).message) ? ' Stop its process (it ends its terminals); the next terminal starts a new host.' : ''}`);
      return 1;
    }
    const status = client.status();
    const hosted = await describeTerminals(config, await client.list());
    const running = hosted.filter((terminal) => terminal.exit === null);
    const unrecorded = hosted.length - running.length;
    if (command === 'status') {
      out(`Terminal host: pid ${status.pid}, version ${status.version}, protocol ${status.protocol}, running since ${status.startedAt}.`);
      out(`Socket ${socketPath}; log ${path.join(dir, 'host.log')}.`);
      out(running.length === 0 ? 'No terminal is running.' : `${running.length} terminal(s) running:`);
      for (const terminal of running) out(terminalLine(terminal));
      if (unrecorded > 0) out(`${unrecorded} terminal(s) ended while no server ran; the next server records their end.`);
      return 0;
    }
    if (!flags.includes('--yes')) {
      out(
        running.length === 0
          ? `Restarting the terminal host (pid ${status.pid}) ends no terminal.`
          : `Restarting the terminal host (pid ${status.pid}) ends these ${running.length} terminal(s):`,
      );
      for (const terminal of running) out(terminalLine(terminal));
      err('Nothing was done. Run `npm run terminal-host -- restart --yes` to restart it.');
      return 1;
    }
    await client.restartHost(config.terminals.killGraceMs).catch((error: unknown) => {
      // The host closing the connection as it stops is the expected end.
      if (client.status().connected) throw error;
    });
    const deadline = Date.now() + config.terminals.killGraceMs + 10_000;
    while (Date.now() < deadline && (await socketAnswers(socketPath))) await delay(50);
    const next = config.terminals.host === 'service' ? 'its service starts it again' : 'the next terminal starts a new one';
    out(`Restarted the terminal host (pid ${status.pid}): ${running.length} terminal(s) ended; ${next}.`);
    for (const terminal of running) out(terminalLine(terminal));
    if (running.length > 0) out('The next Shellport server to start records their end; their output stays readable.');
    return 0;
  } finally {
    await client.close();
  }
}
