// A real app with a real terminal in which agent hooks are installed by the terminal's own `shellport`
// and exercised by tests/helpers/fake-agent.mjs, a stand-in that calls them as Claude Code does.
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { vi } from 'vitest';
import type { Env } from '../../../src/config/index.js';
import type { Approval } from '../../../src/shared/attention.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';
import { makeTempDir, signInAsOwner } from '../../helpers/app.js';
import { shellEnvironment } from '../../helpers/terminal-env.js';
import { startTerminalApp, type TerminalTestApp, type TerminalTestClient } from '../terminals/helpers.js';
import { connectWsClient } from '../terminals/transports.js';

export const FAKE_AGENT = path.resolve(import.meta.dirname, '../../helpers/fake-agent.mjs');
const PROMPT = /[$#] (?:\x1b\]133;B\x07)?$/;

export interface AgentTerminal {
  app: TerminalTestApp;
  home: string;
  client: TerminalTestClient;
  sessionId: string;
  /** The terminal's environment (its secret, SHELLPORT_HOOK_URL, PATH). */
  env: Record<string, string>;
  /** Types a command line into the terminal; resolves with its output line tagged `tag` once it has one matching `done`. */
  run(commandLine: string, done?: RegExp, timeout?: number): Promise<string>;
  /** Runs the fake agent in the terminal: `ask-permission Bash 'npm test'`; resolves with its outcome line. */
  agent(args: string, timeout?: number): { outcome: Promise<string> };
  /** inject() as the signed-in owner, from Shellport's own page (Origin and Host of PUBLIC_URL). */
  owner(options: InjectOptions, cookie?: string): Promise<LightMyRequestResponse>;
  /** Waits for a pending approval of this terminal that is not in `seen`. */
  nextApproval(seen?: Set<string>): Promise<Approval>;
  activity(): Promise<TerminalActivity | null | undefined>;
}

let tags = 0;

/** A listening app, a bash terminal in a fresh HOME, with Claude Code hooks installed there (`shellport hooks install claude --yes`). */
export async function agentTerminal(env: Env = {}, options: { install?: boolean } = {}): Promise<AgentTerminal> {
  const home = makeTempDir('shellport-agent-home-');
  const app = await startTerminalApp({ HOME: home, ...env });
  const client = await connectWsClient(app);
  const session = await client.create({ shell: 'bash', cols: 200, rows: 50 });
  await client.attach(session.id);
  await client.waitForText(session.id, PROMPT);
  const terminalEnv = await shellEnvironment(session.pid);

  async function run(commandLine: string, done = /.*/, timeout = 20_000): Promise<string> {
    const tag = `T${++tags}T`;
    // The tag is split in the typed line (T1''T), so only the command's output matches it.
    client.input(session.id, `{ ${commandLine}; } 2>/dev/null | sed -u 's/^/${tag.slice(0, -1)}''${tag.slice(-1)}: /'\r`);
    const pattern = new RegExp(`${tag}: (${done.source})`);
    const text = await client.waitForText(session.id, pattern, timeout);
    return pattern.exec(text)![1]!;
  }

  const publicUrl = new URL(app.config.server.publicUrl);
  const terminal: AgentTerminal = {
    app,
    home,
    client,
    sessionId: session.id,
    env: terminalEnv,
    run,
    agent(args, timeout = 30_000) {
      return { outcome: run(`"$SHELLPORT_NODE" ${FAKE_AGENT} ${args}`, /(?:ALLOWED|DENIED|ASKED|REPORTED)[^\r\n]*/, timeout) };
    },
    owner(options, cookie = app.cookie) {
      return app.app.inject({ ...options, headers: { origin: publicUrl.origin, host: publicUrl.host, cookie, ...(options.headers ?? {}) } });
    },
    async nextApproval(seen = new Set()) {
      return vi.waitFor(
        () => {
          const found = app.app.approvals.list().find((approval) => approval.sessionId === session.id && approval.status === 'pending' && !seen.has(approval.id));
          if (!found) throw new Error('no new pending approval yet');
          seen.add(found.id);
          return found;
        },
        { timeout: 20_000, interval: 20 },
      );
    },
    async activity() {
      return (await app.app.terminals.get(session.id)).activity;
    },
  };
  if (options.install !== false) {
    const installed = await run('shellport hooks install claude --yes', /Installed[^\r\n]*/);
    if (!installed.includes(path.join(home, '.claude', 'settings.json'))) throw new Error(`unexpected install output: ${installed}`);
  }
  return terminal;
}

/** A second signed-in browser session's cookie. */
export const secondSignIn = (app: TerminalTestApp) => signInAsOwner(app.app);
