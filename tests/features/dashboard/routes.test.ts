import { describe, expect, it } from 'vitest';
import { DASHBOARD_PREVIEW_ROWS, type DashboardResponse } from '../../../src/shared/attention.js';
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
    expect(listed[0]!.preview.at(-1)).toBe('ringing-42');
    // The quiet one's last line is its prompt again.
    await waitUntil(async () => (/[$#]$/.test((await dashboard()).terminals.find((terminal) => terminal.id === quiet.id)?.lastLine ?? '') ? true : undefined));

    // Ended terminals are not on it.
    await client.ok('terminal:kill', { sessionId: quiet.id });
    await waitUntil(async () => ((await dashboard()).terminals.every((terminal) => terminal.id !== quiet.id) ? true : undefined));

    const signedOut = await app.app.inject({ method: 'GET', url: '/api/dashboard' });
    expect(signedOut.statusCode).toBe(401);
  });

  it('previews a mirrored terminal\'s screen as a full-screen program drew it, and a small one from its output', { timeout: 60_000 }, async () => {
    const app = await startTerminalApp();
    const client = await connectWsClient(app);
    const dashboard = async () => (await injectAsOwner(app.app, { method: 'GET', url: '/api/dashboard' })).json<DashboardResponse>();
    const previewOf = async (id: string) => (await dashboard()).terminals.find((terminal) => terminal.id === id)?.preview;

    const big = await client.create({ cols: 80, rows: 24 });
    await client.attach(big.id, { cols: 80, rows: 24 });
    client.keepData = false;
    // ~470 KB of lines, more than the 256 KiB after which a terminal is mirrored; then a full-screen
    // frame drawn with cursor addressing, left up while `sleep` runs.
    client.input(
      big.id,
      "seq 1 80000; printf '\\e[?1049h\\e[H\\e[2J\\e[2;3H┌ top %s ┐\\e[5;10HFRAME-%s\\e[24;1Hstatus: ok  \\e[24;70H12:00' $((1+1)) $((6*7)); sleep 600\r",
    );
    await waitUntil(() => app.app.terminals.inspect(big.id)!.mirrored, 20_000);
    const frame = ['  ┌ top 2 ┐', '         FRAME-42', 'status: ok                                                           12:00'];
    await waitUntil(async () => JSON.stringify(await previewOf(big.id)) === JSON.stringify(frame), 20_000);
    const shown = (await dashboard()).terminals.find((terminal) => terminal.id === big.id)!;
    expect(shown).toMatchObject({ preview: frame, lastLine: frame.at(-1) });
    // The same output read as text, escapes dropped, is not the screen: the frame's pieces run together.
    expect(shown.preview.join('\n')).not.toMatch(/\x1b|\[\?1049h|FRAME-42status/);
    // Nothing printed since: the preview is not computed again.
    expect(await app.app.terminals.screenPreview(big.id, DASHBOARD_PREVIEW_ROWS)).toBe(await app.app.terminals.screenPreview(big.id, DASHBOARD_PREVIEW_ROWS));

    // A terminal with little output is not mirrored for its preview: its last lines of output.
    const small = await client.create({ cols: 80, rows: 24 });
    await client.attach(small.id, { cols: 80, rows: 24 });
    client.input(small.id, "printf 'one\\ntwo\\n\\e[1mthree-%s\\e[0m\\n' $((6*7)); sleep 600\r");
    await waitUntil(async () => ((await previewOf(small.id))?.at(-1) === 'three-42' ? true : undefined));
    expect((await previewOf(small.id))!.slice(-3)).toEqual(['one', 'two', 'three-42']);
    expect(app.app.terminals.inspect(small.id)!.mirrored).toBe(false);
  });
});
