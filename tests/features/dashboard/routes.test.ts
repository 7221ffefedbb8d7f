import { describe, expect, it } from 'vitest';
import type { DashboardResponse } from '../../../src/shared/attention.js';
import { injectAsOwner } from '../../helpers/app.js';
import { startTerminalApp, waitUntil } from '../terminals/helpers.js';
import { connectWsClient } from '../terminals/transports.js';

describe('GET /api/dashboard', () => {
  it('lists the running terminals with their last line, the one that rang first; signed out it refuses', async () => {
    const app = await startTerminalApp();
    const client = await connectWsClient(app);
    const quiet = await client.create();
    const ringing = await client.create();
    await client.attach(quiet.id);
    await client.attach(ringing.id);
    client.input(quiet.id, 'echo quiet-$((6*7))\r');
    await client.waitForText(quiet.id, 'quiet-42');
    client.input(ringing.id, "echo ringing-$((6*7)); printf '\\a'; sleep 30\r");

    const dashboard = async () => (await injectAsOwner(app.app, { method: 'GET', url: '/api/dashboard' })).json<DashboardResponse>();
    await waitUntil(async () => {
      const { terminals } = await dashboard();
      return terminals[0]?.id === ringing.id && terminals[0].activity?.needsYou;
    });
    // The ringing one keeps waiting (its sleep runs on): the order holds.
    const { terminals: listed } = await dashboard();
    expect(listed.map((terminal) => terminal.id)).toEqual([ringing.id, quiet.id]);
    expect(listed[0]).toMatchObject({ workspaceId: null, title: 'bash', lastLine: 'ringing-42', activity: { state: 'waiting', needsYou: true } });
    // The quiet one's last line is its prompt again.
    await waitUntil(async () => (/[$#]$/.test((await dashboard()).terminals.find((terminal) => terminal.id === quiet.id)?.lastLine ?? '') ? true : undefined));

    // Ended terminals are not on it.
    await client.ok('terminal:kill', { sessionId: quiet.id });
    await waitUntil(async () => ((await dashboard()).terminals.every((terminal) => terminal.id !== quiet.id) ? true : undefined));

    const signedOut = await app.app.inject({ method: 'GET', url: '/api/dashboard' });
    expect(signedOut.statusCode).toBe(401);
  });
});
