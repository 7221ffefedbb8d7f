import { afterEach, describe, expect, it } from 'vitest';
import { disconnectTestSockets, startTerminalApp } from './helpers.js';
import { TRANSPORTS } from './transports.js';

afterEach(() => disconnectTestSockets());

describe.each(TRANSPORTS)('numbered input over $name', ({ connect }) => {
  it('runs once when a client sends it again after a reconnect, and refuses a malformed number', async () => {
    const app = await startTerminalApp();
    const first = await connect(app);
    const terminal = await first.create();
    await first.attach(terminal.id);
    first.send('terminal:input', { sessionId: terminal.id, data: 'echo ran-$((20 + 1))\r', device: 'tab-1', inputId: 7 });
    await first.waitForText(terminal.id, 'ran-21');
    const seq = first.stream(terminal.id).seq;
    first.close();

    const second = await connect(app);
    await second.attach(terminal.id, { lastSeq: seq });
    second.send('terminal:input', { sessionId: terminal.id, data: 'echo ran-$((20 + 1))\r', device: 'tab-1', inputId: 7 });
    second.send('terminal:input', { sessionId: terminal.id, data: 'echo next-$((20 + 2))\r', device: 'tab-1', inputId: 8 });
    // Another device's numbers are its own.
    second.send('terminal:input', { sessionId: terminal.id, data: 'echo other-$((20 + 3))\r', device: 'tab-2', inputId: 1 });
    await second.waitForText(terminal.id, 'other-23');
    expect(second.text(terminal.id)).toContain('next-22');
    expect(second.text(terminal.id)).not.toContain('ran-21');

    second.send('terminal:input', { sessionId: terminal.id, data: 'x', device: 'tab 1!', inputId: 9 });
    second.send('terminal:input', { sessionId: terminal.id, data: 'x', inputId: 10 });
    await expect.poll(() => second.errors.map((error) => error.error.code)).toEqual(['validation_failed', 'validation_failed']);
  });
});
