import { readdir, readFile, readlink } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../infra/database/client.js';
import type { TerminalHostClient } from '../../infra/terminal-host-client.js';
import { AppError } from '../../http/errors.js';
import {
  HOST_RESTARTED_REASON,
  type RestartTerminalHostResult,
  type TerminalHostChangedDetails,
  type TerminalHostMode,
  type TerminalHostTerminal,
  type TerminalHostView,
} from '../../shared/terminal-host.js';
import type { TerminalManager } from './manager.js';

/** What of the host client the routes use. */
export type TerminalHostControl = Pick<TerminalHostClient, 'status' | 'connect' | 'restartHost'>;

export interface TerminalHostServiceDeps {
  mode: TerminalHostMode;
  /** Null in in-process mode (or when a test passes its own PTY host). */
  client: TerminalHostControl | null;
  /** DATA_DIR/terminal-host/host.sock. */
  socketPath: string;
  manager: Pick<TerminalManager, 'list' | 'kill'>;
  db: Pick<Database, 'workspace'>;
  /** TERMINAL_KILL_GRACE_MS: SIGHUP/SIGTERM to SIGKILL, per terminal. */
  graceMs: number;
}

const PROBE_TIMEOUT_MS = 1_000;
/** How long a restart waits for the old host to be gone before answering. */
const GONE_WAIT_MS = 10_000;

export const restartBodySchema = z.strictObject({
  confirm: z.number({ error: 'the number of running terminals you were shown' }).int().min(0).max(100_000),
});

/** Whether something listens on the Unix socket (without saying hello: the host closes such a connection). */
export function socketAnswers(socketPath: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    const done = (answer: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/**
 * The process listening on a Unix socket, found in /proc (Linux; processes of this account only):
 * a host that refuses this server never says its pid.
 */
export async function findSocketListenerPid(socketPath: string): Promise<number | null> {
  let table: string;
  try {
    table = await readFile('/proc/net/unix', 'utf8');
  } catch {
    return null;
  }
  // Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 = listening.
  const inodes = new Set(
    table
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[7] === socketPath && (parseInt(fields[3] ?? '0', 16) & 0x10000) !== 0)
      .map((fields) => `socket:[${fields[6]}]`),
  );
  if (inodes.size === 0) return null;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = await readdir(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      if (inodes.has(target)) return Number(entry);
    }
  }
  return null;
}

/**
 * The terminal host as the owner sees it, and its restart (docs/terminal-host.md, "Restarting the
 * host on purpose"): the running terminals are listed first, and a restart ends only when the
 * owner confirmed as many as are running.
 */
export function createTerminalHostService(deps: TerminalHostServiceDeps) {
  const { mode, client, socketPath, manager, db, graceMs } = deps;

  async function runningTerminals(): Promise<TerminalHostTerminal[]> {
    const active = await manager.list({ status: 'active' });
    const ids = [...new Set(active.map((terminal) => terminal.workspaceId).filter((id): id is string => id !== null))];
    const workspaces = ids.length === 0 ? [] : await db.workspace.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
    const names = new Map(workspaces.map((workspace) => [workspace.id, workspace.name]));
    return active.map((terminal) => ({
      id: terminal.id,
      name: terminal.name,
      workspaceId: terminal.workspaceId,
      workspaceName: terminal.workspaceId ? (names.get(terminal.workspaceId) ?? null) : null,
      pid: terminal.pid,
      startedAt: terminal.createdAt,
    }));
  }

  /** Where the host stands; connects when a host answers that this server is not connected to (as the next terminal would). */
  async function inspect(): Promise<Omit<TerminalHostView, 'terminals'>> {
    const none = { connected: false, pid: null, version: null, protocol: null, startedAt: null, problem: null };
    if (!client) {
      return { mode, state: 'in-process', isRestartable: false, ...none, message: 'TERMINAL_HOST=in-process: the terminals run inside the server and end with it; there is no terminal host to restart.' };
    }
    let status = client.status();
    if (!status.connected) {
      if (!(await socketAnswers(socketPath))) {
        if (mode === 'service') {
          const problem = `No terminal host answers on ${socketPath}: start its service (TERMINAL_HOST=service expects one; docs/terminal-host.md).`;
          return { mode, state: 'unreachable', isRestartable: false, ...none, problem, message: problem };
        }
        return { mode, state: 'not-running', isRestartable: false, ...none, message: 'No terminal host is running; the next terminal starts one.' };
      }
      try {
        await client.connect();
      } catch (error) {
        const reason = (error as Error).message;
        const problem = /restart/i.test(reason) ? reason : `${reason} Restart the terminal host (it ends its terminals).`;
        return { mode, state: 'refused', isRestartable: true, ...none, problem, message: problem };
      }
      status = client.status();
    }
    return {
      mode,
      state: 'connected',
      isRestartable: true,
      connected: true,
      pid: status.pid,
      version: status.version,
      protocol: status.protocol,
      startedAt: status.startedAt,
      problem: null,
      message: `Connected to the terminal host (pid ${status.pid}, version ${status.version}).`,
    };
  }

  async function view(): Promise<TerminalHostView> {
    const [state, terminals] = await Promise.all([inspect(), runningTerminals()]);
    return { ...state, terminals };
  }

  /** Waits, within a bound, until `gone()` holds; true when it did. */
  async function waitUntil(gone: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await gone()) return true;
      await delay(50);
    }
    return gone();
  }

  /** Ends every running terminal and the host, once the owner confirmed `confirm` terminals: as many as run. */
  async function restart(confirm: number): Promise<RestartTerminalHostResult> {
    const state = await inspect();
    if (state.state === 'in-process') {
      throw new AppError(409, 'terminal_host_not_applicable', `${state.message} Restart the Shellport server instead.`);
    }
    const terminals = await runningTerminals();
    if (terminals.length !== confirm) {
      const details: TerminalHostChangedDetails = { confirmed: confirm, running: terminals.length, terminals };
      throw new AppError(
        409,
        'terminal_host_changed',
        `${terminals.length} terminal(s) are running now, not the ${confirm} you confirmed: nothing was ended. Look at the list again and confirm the restart anew.`,
        details,
      );
    }
    if (state.state === 'not-running') {
      return { ended: [], previousPid: null, message: 'No terminal host was running, so there was nothing to restart; the next terminal starts one.' };
    }
    if (state.state === 'unreachable') {
      throw new AppError(503, 'terminal_host_unreachable', `${state.problem} Nothing was restarted.`);
    }
    const control = client as TerminalHostControl;
    if (state.state === 'refused') {
      // The host refuses this server's protocol, so it cannot be asked to stop: SIGTERM ends it and its terminals.
      const pid = await findSocketListenerPid(socketPath);
      if (pid === null) {
        throw new AppError(
          409,
          'terminal_host_not_found',
          `The terminal host refuses this server, and its process could not be found (it may run as another account). Stop it by hand (its socket is ${socketPath}), then open a terminal.`,
        );
      }
      try {
        process.kill(pid, 'SIGTERM');
      } catch (error) {
        throw new AppError(409, 'terminal_host_not_stopped', `The terminal host (pid ${pid}) could not be stopped (${(error as NodeJS.ErrnoException).code}). Stop it by hand, then open a terminal.`);
      }
      await waitUntil(async () => !(await socketAnswers(socketPath)), graceMs + GONE_WAIT_MS);
      return { ended: terminals, previousPid: pid, message: `Stopped the terminal host (pid ${pid}), which this server could not use; the next terminal starts a new one.` };
    }
    const previousPid = state.pid;
    // Ended one by one first, so that each is recorded with the reason the owner will read.
    await Promise.all(terminals.map((terminal) => manager.kill(terminal.id, HOST_RESTARTED_REASON)));
    try {
      await control.restartHost(graceMs);
    } catch (error) {
      // The host ending the connection as it stops is what was asked for.
      if (control.status().connected) {
        throw new AppError(502, 'terminal_host_restart_failed', `The terminal host did not stop: ${(error as Error).message}. Try again; if it keeps failing, see its log in DATA_DIR/terminal-host/host.log.`);
      }
    }
    await waitUntil(() => !control.status().connected, GONE_WAIT_MS);
    // In auto mode the next terminal starts a host: wait until the old one stopped listening. A service's supervisor restarts it.
    if (mode === 'auto') await waitUntil(async () => !(await socketAnswers(socketPath)), GONE_WAIT_MS);
    const next = mode === 'service' ? 'its service starts it again' : 'the next terminal starts a new one';
    return {
      ended: terminals,
      previousPid,
      message: `Restarted the terminal host (pid ${previousPid}): ${terminals.length} terminal(s) ended; ${next}.`,
    };
  }

  return { view, inspect, restart };
}

export type TerminalHostService = ReturnType<typeof createTerminalHostService>;

/** GET /api/terminal-host and POST /api/terminal-host/restart (behind the auth guard, as every /api route). */
export async function terminalHostRoutes(fastify: FastifyInstance, { service }: { service: TerminalHostService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/terminal-host', async () => service.view());
  app.post('/api/terminal-host/restart', { schema: { body: restartBodySchema } }, async (request) => service.restart(request.body.confirm));
}
