// The whole attention loop with the real Claude Code (issue 20, "Done when"): in a Shellport terminal,
// `shellport hooks install claude --yes` wires its hooks to the terminal's own `shellport`; Claude Code,
// talking to the fake Anthropic API, asks to run a command; the request becomes a pending approval, the
// terminal says it needs approval, a subscribed device gets a push (through the fake Web Push service,
// decrypted there), the owner allows it over HTTP as the inbox does, and the agent goes on: the tool
// runs, and its Stop hook leaves the terminal finished and wanting the owner.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Approval, PushMessage } from '../../src/shared/attention.js';
import { claudeBinary } from '../helpers/agent-clis.js';
import { makeTempDir } from '../helpers/app.js';
import { startFakeModelApi, textOf, toolResultsIn, toolThenText, type FakeModelApi } from '../helpers/fake-model-api.js';
import { listen, startPushApp, subscribeDevice } from '../features/push/helpers.js';
import { connectWsClient } from '../features/terminals/transports.js';

const { Terminal } = xtermHeadless;
const COMMAND = `node -e "console.log('hello-from-' + 'tool')"`;
const API_KEY = 'test-key';
const COLS = 120;
const ROWS = 40;

const fakes: FakeModelApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

function waitFor<T>(probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, describeState: () => string, timeout = 30_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === null || value === undefined || value === false) throw new Error(`Timed out; so far:\n${describeState()}`);
      return value;
    },
    { timeout, interval: 100 },
  );
}

describe('the real Claude Code in a Shellport terminal', () => {
  it('asks for permission through its installed hooks: a pending approval, a push, the owner allows it and the agent goes on', { timeout: 180_000 }, async () => {
    const fake = await startFakeModelApi(toolThenText({ name: 'Bash', input: { command: COMMAND, description: 'Print a greeting' } }));
    fakes.push(fake);
    const home = makeTempDir('shellport-claude-home-');
    const work = path.join(home, 'project');
    mkdirSync(work);
    mkdirSync(path.join(home, 'tmp'));
    // What Claude Code's first-run screens would otherwise ask (see claude-code.test.ts).
    writeFileSync(
      path.join(home, '.claude.json'),
      JSON.stringify({ hasCompletedOnboarding: true, theme: 'dark', customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] }, projects: { [work]: { hasTrustDialogAccepted: true } } }),
    );
    const app = await listen(await startPushApp({ env: { HOME: home } }));
    const phone = await subscribeDevice(app, 'phone');
    const client = await connectWsClient(app);
    const session = await client.create({ shell: 'bash', cols: COLS, rows: ROWS });
    await client.attach(session.id);
    await client.waitForText(session.id, /[$#] (?:\x1b\]133;B\x07)?$/);

    // The screen as a person sees it, from everything the terminal printed so far.
    const screen = new Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
    let fed = 0;
    let lastChange = Date.now();
    const screenText = () => {
      const text = client.text(session.id);
      if (text.length > fed) {
        screen.write(text.slice(fed));
        fed = text.length;
        lastChange = Date.now();
      }
      const buffer = screen.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n').replaceAll('\u00a0', ' ');
    };
    const quietFor = (ms: number) => Date.now() - lastChange >= ms;

    const env = {
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: API_KEY,
      TMPDIR: path.join(home, 'tmp'),
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    };
    const exports = Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`).join(' ');
    client.input(session.id, `shellport hooks install claude --yes && export ${exports} && cd ${quote(work)} && ${quote(claudeBinary())}\r`);
    await waitFor(() => screenText().includes('? for shortcuts') && quietFor(300), screenText);
    const settings = JSON.parse(readFileSync(path.join(home, '.claude', 'settings.json'), 'utf8')) as { hooks?: Record<string, unknown> };
    expect(Object.keys(settings.hooks ?? {})).toContain('PermissionRequest');
    client.input(session.id, 'run the tool');
    await waitFor(() => screenText().includes('❯ run the tool') && quietFor(500), screenText);
    client.input(session.id, '\r');

    const approval = await waitFor(
      () => app.app.approvals.list().find((item: Approval) => item.sessionId === session.id && item.status === 'pending'),
      () => `${JSON.stringify(app.app.approvals.list())}\n${screenText()}`,
    );
    expect(approval).toMatchObject({ agent: 'claude', tool: 'Bash', summary: COMMAND, input: { command: COMMAND } });
    await waitFor(async () => (await app.app.terminals.get(session.id)).activity?.state === 'approval', screenText);
    const pushed = await app.pushService.waitForMessage((delivery) => (delivery.json as PushMessage | null)?.kind === 'approval', 30_000);
    expect(pushed.json).toMatchObject({ kind: 'approval', approvalId: approval.id, sessionId: session.id, url: `/terminals?session=${session.id}` });
    expect(pushed.endpoint).toBe(phone.subscription.endpoint);
    expect(toolResultsIn(fake.messages.at(-1)!)).toEqual([]);

    const answered = await app.app.inject({
      method: 'POST',
      url: `/api/approvals/${approval.id}/answer`,
      headers: { cookie: app.cookie, origin: app.origin, host: new URL(app.origin).host },
      payload: { decision: 'allow' },
    });
    expect(answered.statusCode, answered.body).toBe(200);

    // The agent goes on: the command runs and its output goes back to the model; Stop leaves it finished, wanting the owner.
    await waitFor(() => fake.messages.flatMap(toolResultsIn).length > 0, screenText);
    expect(fake.messages.flatMap(toolResultsIn).map((block) => textOf(block.content))).toEqual(['hello-from-tool']);
    expect(screenText()).not.toContain('Do you want to proceed?');
    await waitFor(async () => {
      const activity = (await app.app.terminals.get(session.id)).activity;
      return activity?.state === 'finished' && activity.needsYou;
    }, screenText);
    expect(app.app.approvals.get(approval.id)).toMatchObject({ status: 'allowed' });
    expect(fake.unexpectedRequests).toEqual([]);

    client.input(session.id, '/exit');
    await waitFor(() => screenText().includes('❯ /exit') && quietFor(500), screenText);
    client.input(session.id, '\r');
    await client.waitForText(session.id, /[$#] (?:\x1b\]133;B\x07)?$/, 30_000);
  });
});
