// End to end: a real terminal's bell or notification, through the notifier and web-push, to the fake
// push service, which decrypts what a phone would show.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PushMessage } from '../../../src/shared/attention.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';
import { makeTempDir } from '../../helpers/app.js';
import type { Delivery } from '../../helpers/fake-push-service.js';
import { waitUntil, type TerminalTestClient } from '../terminals/helpers.js';
import { connectWsClient } from '../terminals/transports.js';
import { listen, startPushApp, subscribeDevice } from './helpers.js';

const PROMPT = /[$#] (?:\x1b\]133;B\x07)?$/;

/** The first `terminal:activity` of a terminal matching `expected`, after the `after`-th event. */
function waitForActivity(client: TerminalTestClient, sessionId: string, expected: Partial<TerminalActivity>, after = 0) {
  return waitUntil(() =>
    client.activities
      .slice(after)
      .filter((event) => event.sessionId === sessionId)
      .map((event) => event.activity)
      .find((activity) => Object.entries(expected).every(([key, value]) => (activity as unknown as Record<string, unknown>)[key] === value)),
  );
}

const forTerminal = (sessionId: string) => (delivery: Delivery) => (delivery.json as PushMessage).sessionId === sessionId;

async function openShell(client: TerminalTestClient) {
  const session = await client.create();
  await client.attach(session.id);
  await client.waitForText(session.id, PROMPT);
  return session.id;
}

describe('pushes from terminals', () => {
  it('pushes a notification (OSC 9) once, as the device shows it; the same state again does not push again', async () => {
    const testApp = await listen(await startPushApp({ graceMs: 300 }));
    const { pushService } = testApp;
    const { id: deviceId, subscription } = await subscribeDevice(testApp, 'Phone');
    const client = await connectWsClient(testApp);
    const sessionId = await openShell(client);
    const go = path.join(makeTempDir('shellport-push-'), 'go');

    // Notifies, waits for the test's go, then notifies the same again (same state, same since).
    client.input(sessionId, `printf '\\e]9;Build done \\001ok\\a'; until [ -e ${go} ]; do sleep 0.05; done; printf '\\e]9;Build done \\001ok\\a'; sleep 30\r`);
    const delivery = await pushService.waitForMessage(forTerminal(sessionId));
    expect(delivery.endpoint).toBe(subscription.endpoint);
    expect(delivery.json).toEqual({
      kind: 'waiting',
      title: 'Waiting for input · bash',
      body: 'Build done ok',
      tag: `terminal-${sessionId}`,
      url: `/terminals?session=${sessionId}`,
      sessionId,
      // The device's own copy names it (an answer from its notification says which device answered).
      deviceId,
      sentAt: expect.any(String),
    });
    expect(delivery).toMatchObject({ topic: sessionId.replace(/-/g, ''), urgency: 'normal', ttl: 3600 });
    const first = await waitForActivity(client, sessionId, { state: 'waiting', needsYou: true });

    // Seen, then notified again: the terminal wants the owner again, in the same state since the same time.
    let mark = client.activities.length;
    client.send('terminal:seen', { sessionId });
    await waitForActivity(client, sessionId, { state: 'waiting', needsYou: false }, mark);
    mark = client.activities.length;
    writeFileSync(go, '');
    const again = await waitForActivity(client, sessionId, { state: 'waiting', needsYou: true }, mark);
    expect(again!.since).toBe(first!.since);

    // A bell in a second terminal, rung after that: once its push arrived, the first terminal's grace is long over.
    const other = await openShell(client);
    client.input(other, "printf '\\a'; sleep 30\r");
    const bell = await pushService.waitForMessage(forTerminal(other));
    expect(bell.json).toMatchObject({ kind: 'bell', title: 'Bell · bash', url: `/terminals?session=${other}` });
    await testApp.app.push.settled();
    expect(pushService.deliveries.filter(forTerminal(sessionId))).toHaveLength(1);
    expect(existsSync(go)).toBe(true);
  });

  it('pushes an agent’s approval request once, urgent, with its id; a request answered within the grace period sends nothing', async () => {
    const testApp = await listen(await startPushApp({ graceMs: 500 }));
    const { app, pushService } = testApp;
    const phone = await subscribeDevice(testApp, 'Phone');
    const client = await connectWsClient(testApp);
    const asking = await openShell(client);
    const answered = await openShell(client);
    const request = (sessionId: string, command: string) => app.approvals.request({ sessionId, workspaceId: null, agent: 'claude', tool: 'Bash', input: { command }, cwd: null });

    // Answered at once (from another device, say): the request and the terminal's approval state push nothing.
    const quick = await request(answered, 'npm test');
    await waitForActivity(client, answered, { state: 'approval', needsYou: true });
    await app.approvals.answer(quick.approval!.id, { decision: 'allow' });

    const opened = await request(asking, 'npm publish --access public');
    const delivery = await pushService.waitForMessage(forTerminal(asking));
    expect(delivery.json).toEqual({
      kind: 'approval',
      title: 'Needs approval · bash',
      body: expect.stringMatching(/^Bash: .*npm publish --access public/),
      tag: `terminal-${asking}`,
      url: `/terminals?session=${asking}`,
      sessionId: asking,
      approvalId: opened.approval!.id,
      deviceId: phone.id,
      sentAt: expect.any(String),
    });
    // Kept by the push service until the request expires (300 s by default; the test clock stands still).
    expect(delivery).toMatchObject({ urgency: 'high', ttl: 300 });
    await app.push.settled();
    expect(pushService.deliveries.map((d) => (d.json as PushMessage).sessionId)).toEqual([asking]);
  });

  it('does not push a terminal the owner is looking at (terminal:seen within the grace period)', async () => {
    const testApp = await listen(await startPushApp({ graceMs: 1500 }));
    const { pushService } = testApp;
    await subscribeDevice(testApp, 'Phone');
    const client = await connectWsClient(testApp);
    const watched = await openShell(client);
    const unwatched = await openShell(client);

    // A page showing `watched` marks it seen as soon as it wants the owner.
    let mark = client.activities.length;
    client.input(watched, "printf '\\a'; sleep 30\r");
    await waitForActivity(client, watched, { state: 'waiting', needsYou: true }, mark);
    client.send('terminal:seen', { sessionId: watched });
    await waitForActivity(client, watched, { state: 'waiting', needsYou: false }, mark);

    mark = client.activities.length;
    client.input(unwatched, "printf '\\a'; sleep 30\r");
    await waitForActivity(client, unwatched, { state: 'waiting', needsYou: true }, mark);
    const delivery = await pushService.waitForMessage(forTerminal(unwatched));
    expect(delivery.json).toMatchObject({ kind: 'bell', sessionId: unwatched });
    await testApp.app.push.settled();
    expect(pushService.deliveries.map((d) => (d.json as PushMessage).sessionId)).toEqual([unwatched]);
  });
});

describe('pushes from an agent run\'s terminal', () => {
  it('sends none for its bells and notifications (the run pushes when it ends), while a shell\'s bell is pushed', async () => {
    const testApp = await listen(await startPushApp({ graceMs: 300 }));
    const { pushService, app } = testApp;
    await subscribeDevice(testApp, 'Phone');
    const dir = path.join(testApp.config.workspaces.rootDir, 'owner', 'run-push');
    mkdirSync(dir, { recursive: true });
    const workspace = await app.db.workspace.create({ data: { name: 'owner/run-push', cloneUrl: 'https://github.com/owner/run-push.git', localPath: dir, cloneState: 'ready' } });
    const run = await app.terminals.startProgram({
      workspaceId: workspace.id,
      runId: 'run-push-test',
      name: 'Run · a test',
      file: 'bash',
      args: ['-c', "printf '\\a\\e]9;Done\\a'; sleep 30"],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
      cols: 80,
      rows: 24,
    });
    const client = await connectWsClient(testApp);
    const shell = await openShell(client);
    client.input(shell, "sleep 1; printf '\\a'; sleep 30\r");
    await pushService.waitForMessage(forTerminal(shell));
    expect(pushService.deliveries.filter(forTerminal(run.id))).toEqual([]);
  });
});
