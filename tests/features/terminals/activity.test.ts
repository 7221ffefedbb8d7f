import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/app.js';
import { WAITING_FOR_READ } from '../../../src/features/terminals/terminal-status.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';
import { startTerminalApp, waitUntil, type TerminalTestClient } from './helpers.js';
import { connectWsClient } from './transports.js';

/** A bash prompt, idle: the last bytes are its text, then the integration's prompt-end mark (OSC 133 B). */
const PROMPT = /[$#] (?:\x1b\]133;B\x07)?$/;

/** The newest `terminal:activity` of a terminal. */
const latest = (client: TerminalTestClient, sessionId: string): TerminalActivity | undefined =>
  client.activities.filter((event) => event.sessionId === sessionId).at(-1)?.activity;

/** Waits for an activity matching `expected` (a subset), newer than the `after`-th event. */
async function waitForActivity(client: TerminalTestClient, sessionId: string, expected: Partial<TerminalActivity>, after = 0) {
  const seen = () => client.activities.slice(after).filter((event) => event.sessionId === sessionId).map((event) => event.activity);
  const matches = (activity: TerminalActivity) => Object.entries(expected).every(([key, value]) => (activity as unknown as Record<string, unknown>)[key] === value);
  // 20 s: a shell's start-up files and its integration take their time on a loaded machine.
  return waitUntil(() => seen().find(matches), 20_000).catch((error: unknown) => {
    throw new Error(`no activity like ${JSON.stringify(expected)}; seen: ${JSON.stringify(seen())}; screen: ${JSON.stringify(client.text(sessionId).slice(-400))}`, { cause: error });
  });
}

describe('terminal activity from the live output (issue 20), over the plain WebSocket', () => {
  it('follows commands through the bash integration, the bell and notifications, and never from a replay', async () => {
    const app = await startTerminalApp();
    const client = await connectWsClient(app);
    const session = await client.create();
    expect(session.activity).toMatchObject({ state: 'idle', needsYou: false });
    await client.attach(session.id);
    await client.waitForText(session.id, PROMPT);

    // A command that fails: failed, with its code.
    client.input(session.id, '(exit 3)\r');
    await waitForActivity(client, session.id, { state: 'failed', exitCode: 3 });
    expect(latest(client, session.id)).toMatchObject({ needsYou: false, longCommand: false });

    // A command that runs: working; Ctrl-C ends it with 130.
    let mark = client.activities.length;
    client.input(session.id, 'sleep 30\r');
    await waitForActivity(client, session.id, { state: 'working' }, mark);
    const listed = await client.ok('terminal:list', {});
    expect(listed.sessions.find((terminal: { id: string }) => terminal.id === session.id).activity).toMatchObject({ state: 'working' });
    client.input(session.id, '\x03');
    await waitForActivity(client, session.id, { state: 'failed', exitCode: 130 }, mark);

    // A command that succeeds.
    mark = client.activities.length;
    client.input(session.id, 'true\r');
    await waitForActivity(client, session.id, { state: 'finished', exitCode: 0 }, mark);

    // The bell: waiting for input, needs you. A BEL that ends an OSC title is no bell.
    mark = client.activities.length;
    client.input(session.id, "printf '\\e]0;a title\\a'; echo titled\r");
    await waitForActivity(client, session.id, { state: 'finished' }, mark);
    expect(client.activities.slice(mark).some((event) => event.activity.state === 'waiting')).toBe(false);
    mark = client.activities.length;
    client.input(session.id, "printf '\\a'\r");
    const waiting = await waitForActivity(client, session.id, { state: 'waiting' }, mark);
    expect(waiting).toMatchObject({ needsYou: true, message: null });
    // The command ended after the bell: finished now, and the owner is no longer wanted.
    await waitForActivity(client, session.id, { state: 'finished', exitCode: 0, needsYou: false }, mark);

    // A notification (OSC 777) while a command runs: its text, made safe.
    mark = client.activities.length;
    client.input(session.id, "printf '\\e]777;notify;Build;Done \\001now\\a'; sleep 30\r");
    await waitForActivity(client, session.id, { state: 'waiting', message: 'Build: Done now' }, mark);
    // The owner saw it: still waiting, no longer counted.
    client.send('terminal:seen', { sessionId: session.id });
    await waitForActivity(client, session.id, { state: 'waiting', needsYou: false }, mark);
    // Typing answers it: working again.
    client.input(session.id, 'x');
    await waitForActivity(client, session.id, { state: 'working' }, mark + 2);
    client.input(session.id, '\x03');
    await waitForActivity(client, session.id, { state: 'failed', exitCode: 130 }, mark);

    // A second client replays all of that output: no activity comes of it, and it learns the current one on attach.
    const count = client.activities.length;
    const other = await connectWsClient(app);
    const attached = await other.attach(session.id);
    expect(attached.session.activity).toMatchObject({ state: 'failed', exitCode: 130 });
    await other.waitForText(session.id, 'Build');
    await other.waitForText(session.id, PROMPT);
    expect(client.activities.length).toBe(count);
    expect(other.activities).toEqual([]);
  });

  it('says a quiet command waits for input once it blocks reading the terminal, not while it merely sleeps', async () => {
    const app = await startTerminalApp();
    const client = await connectWsClient(app);
    const session = await client.create();
    await client.attach(session.id);
    await client.waitForText(session.id, PROMPT);
    client.input(session.id, "sleep 3.5; read -p 'Name? ' name; echo hello-$name\r");
    await waitForActivity(client, session.id, { state: 'working' });
    const asked = await waitForActivity(client, session.id, { state: 'waiting' });
    expect(asked).toMatchObject({ needsYou: true, message: WAITING_FOR_READ });
    // It came after the prompt, not during the quiet sleep before it.
    expect(client.text(session.id)).toContain('Name? ');
    client.input(session.id, 'ada\r');
    await client.waitForText(session.id, 'hello-ada');
    await waitForActivity(client, session.id, { state: 'finished', exitCode: 0, needsYou: false });

    // A program in front of the shell asking on its own.
    const mark = client.activities.length;
    client.input(session.id, "head -n 1 | sed 's/^/answer-/'\r");
    await waitForActivity(client, session.id, { state: 'waiting', message: WAITING_FOR_READ }, mark);
    client.input(session.id, 'yes\r');
    await client.waitForText(session.id, 'answer-yes');
    await waitForActivity(client, session.id, { state: 'finished', exitCode: 0 }, mark);
  });

  it('leaves sh alone (no integration), and a bell still counts', async () => {
    const app = await startTerminalApp();
    const client = await connectWsClient(app);
    const session = await client.create({ shell: 'sh' });
    await client.attach(session.id);
    await client.waitForText(session.id, PROMPT);
    client.input(session.id, "sleep 1.2; printf '\\a'\r");
    await waitForActivity(client, session.id, { state: 'waiting', needsYou: true }).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(client.text(session.id))} ${JSON.stringify(client.activities)}`);
    });
    expect(client.text(session.id)).not.toContain('\x1b]133;');
  });

  it('follows zsh through its startup files, which read the owner\'s own first and hand ZDOTDIR back', async () => {
    const home = makeTempDir('shellport-zsh-home-');
    writeFileSync(path.join(home, '.zshenv'), 'export FROM_ZSHENV=env-$((6*7))\n');
    writeFileSync(path.join(home, '.zshrc'), "PS1='zsh%# '\nalias owned='echo alias-$((6*7))'\nprecmd_functions+=(owner_precmd)\nowner_precmd() { OWNER_SAW=$? }\n");
    const app = await startTerminalApp({ HOME: home });
    const client = await connectWsClient(app);
    const session = await client.create({ shell: '/usr/bin/zsh' });
    await client.attach(session.id);
    await client.waitForText(session.id, /zsh# \x1b\]133;B\x07\x1b\[K/);

    client.input(session.id, '(exit 3)\r');
    await waitForActivity(client, session.id, { state: 'failed', exitCode: 3 });
    // The owner's precmd function, after ours, still saw the command's own status.
    client.input(session.id, 'echo "saw-$OWNER_SAW $FROM_ZSHENV zdotdir=$ZDOTDIR"; owned\r');
    await client.waitForText(session.id, `saw-3 env-42 zdotdir=${home}`);
    await client.waitForText(session.id, 'alias-42');
    await waitForActivity(client, session.id, { state: 'finished', exitCode: 0 });

    let mark = client.activities.length;
    client.input(session.id, 'sleep 30\r');
    await waitForActivity(client, session.id, { state: 'working' }, mark);
    mark = client.activities.length;
    client.input(session.id, '\x03');
    await waitForActivity(client, session.id, { state: 'failed', exitCode: 130 }, mark);
    // A zsh started inside reads the owner's files, not Shellport's.
    client.input(session.id, "zsh -c 'echo child-$FROM_ZSHENV-${__shellport_own_zdotdir:-none}'\r");
    await client.waitForText(session.id, 'child-env-42-none');
  });
});
