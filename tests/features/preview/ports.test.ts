// GET /api/ports: a server started in a real Shellport terminal is found by walking the terminal's
// processes in /proc, and can be previewed; a server outside the terminals is not listed.
import { afterEach, describe, expect, it } from 'vitest';
import type { ListeningPort, PortsResponse } from '../../../src/shared/preview.js';
import { freePort } from '../../helpers/ports.js';
import { connectClient, startTerminalApp } from '../terminals/helpers.js';
import { openPreview, startDevServer, type DevServer } from './helpers.js';

let outsider: DevServer | null = null;
afterEach(() => outsider?.stop());

describe('ports the terminals listen on', () => {
  it('lists a server started in a terminal, with its process, terminal and preview URL, and previews it', async () => {
    const app = await startTerminalApp();
    outsider = await startDevServer();
    const client = await connectClient(app);
    const terminal = await client.create();
    await client.attach(terminal.id);
    const port = await freePort();
    // The marker is built at run time, so the echo of the typed command does not match it.
    client.input(terminal.id, `node -e "require('http').createServer((q, s) => s.end('from the terminal')).listen(${port}, '127.0.0.1', () => console.log('LISTENING' + '_NOW'))"\r`);
    await client.waitForText(terminal.id, 'LISTENING_NOW');

    const response = await fetch(`${app.origin}/api/ports`, { headers: { cookie: app.cookie } });
    expect(response.status).toBe(200);
    const { ports } = (await response.json()) as PortsResponse;
    const entry = ports.find((candidate) => candidate.port === port);
    expect(entry).toEqual({
      port,
      addresses: ['127.0.0.1'],
      pid: expect.any(Number),
      process: 'node',
      terminalId: terminal.id,
      workspaceId: null,
      previewUrl: `/preview/${port}/`,
      refused: null,
    } satisfies ListeningPort);
    expect(entry!.pid).not.toBe(terminal.pid);
    // Neither the server outside the terminals nor Shellport itself.
    expect(ports.map((candidate) => candidate.port)).not.toContain(outsider.port);
    expect(ports.map((candidate) => candidate.port)).not.toContain(app.port);

    const page = await fetch(`${app.origin}${await openPreview(app, port)}`);
    expect(await page.text()).toBe('from the terminal');

    // Once the server stops, the list no longer has it.
    client.input(terminal.id, '\x03');
    await expect
      .poll(async () => ((await (await fetch(`${app.origin}/api/ports`, { headers: { cookie: app.cookie } })).json()) as PortsResponse).ports.map((p) => p.port), { timeout: 10_000 })
      .not.toContain(port);
  });

  it("needs the owner's session, and 404s for a workspace that does not exist", async () => {
    const app = await startTerminalApp();
    expect((await fetch(`${app.origin}/api/ports`)).status).toBe(401);
    expect((await fetch(`${app.origin}/api/workspaces/nope/ports`)).status).toBe(401);
    const unknown = await fetch(`${app.origin}/api/workspaces/nope/ports`, { headers: { cookie: app.cookie } });
    expect(unknown.status).toBe(404);
  });
});
