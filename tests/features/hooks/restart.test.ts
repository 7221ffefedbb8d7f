// Terminals outlive the server (the terminal host), so their secret must too: the next server knows
// it from the digest on the terminal's row, and the terminal's hooks and git credentials keep working.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, makeTempDir, signInAsOwner } from '../../helpers/app.js';
import { freePort } from '../../helpers/ports.js';
import { stopTerminalHosts } from '../../helpers/terminal-host.js';
import type { TerminalTestApp } from '../terminals/helpers.js';
import { connectWsClient } from '../terminals/transports.js';
import { shellEnvironment } from '../../helpers/terminal-env.js';

let dataDirs: string[] = [];
afterEach(() => {
  for (const dir of dataDirs) stopTerminalHosts(dir);
  dataDirs = [];
});

/** The app on DATA_DIR with a terminal host, listening on `port` (the same port after a restart, as in production). */
async function serverOn(dataDir: string, home: string, port: number): Promise<TerminalTestApp> {
  const testApp = await buildTestApp({ DATA_DIR: dataDir, HOME: home, TERMINAL_HOST: 'auto', TERMINAL_KILL_GRACE_MS: '300' });
  await testApp.app.listen({ port, host: '127.0.0.1' });
  return { ...testApp, port, origin: `http://127.0.0.1:${port}`, cookie: await signInAsOwner(testApp.app) };
}

describe('a terminal\'s secret across a server restart', () => {
  it('is known to the next server, which takes the terminal over: hooks and git credentials still recognize it', async () => {
    const root = makeTempDir('shellport-secret-restart-');
    const dataDir = path.join(root, 'data');
    const home = path.join(root, 'home');
    mkdirSync(dataDir);
    mkdirSync(home);
    dataDirs.push(dataDir);
    const port = await freePort();

    const first = await serverOn(dataDir, home, port);
    const terminal = await first.app.terminals.create({ shell: 'bash' });
    const env = await shellEnvironment(terminal.pid!);
    const secret = env.SHELLPORT_CREDENTIAL_SECRET!;
    expect(env.SHELLPORT_HOOK_URL).toBe(`http://127.0.0.1:${port}/internal/terminal-hook`);
    await first.app.close();

    const second = await serverOn(dataDir, home, port);
    expect((await second.app.terminals.get(terminal.id)).status).toBe('active');
    const hook = await fetch(env.SHELLPORT_HOOK_URL!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ agent: 'claude', event: 'Notification', payload: { message: 'Still here after the restart' } }),
    });
    expect(hook.status, await hook.clone().text()).toBe(200);
    expect((await second.app.terminals.get(terminal.id)).activity).toMatchObject({ state: 'waiting', message: 'Still here after the restart' });

    // The terminal's own `shellport` reaches the new server.
    const client = await connectWsClient(second);
    await client.attach(terminal.id);
    client.input(terminal.id, 'shellport status\r');
    await client.waitForText(terminal.id, `Connected to Shellport at http://127.0.0.1:${port}: terminal ${terminal.id}.`);

    // git's credential helper is recognized too (this terminal has no workspace, so git gets no token, but not for an unknown secret).
    const credential = await fetch(env.SHELLPORT_CREDENTIAL_URL!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ protocol: 'https', host: 'github.com', path: 'owner/repo.git' }),
    });
    expect(credential.status).toBe(403);
    const entry = await second.app.db.authLog.findFirstOrThrow({ where: { action: 'git_credential' }, orderBy: { id: 'desc' } });
    expect(JSON.parse(entry.details)).toMatchObject({ terminal: terminal.id });
    expect(JSON.parse(entry.details).reason).not.toBe('unknown_secret');

    // Once it ends, the secret is worth nothing.
    await second.app.terminals.kill(terminal.id);
    await vi.waitFor(async () => expect((await second.app.terminals.get(terminal.id)).status).toBe('terminated'), { timeout: 10_000 });
    const after = await fetch(env.SHELLPORT_HOOK_URL!, { headers: { authorization: `Bearer ${secret}` } });
    expect(after.status).toBe(403);
    client.close();
  }, 60_000);
});
