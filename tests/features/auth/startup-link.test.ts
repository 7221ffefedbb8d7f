import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSignInLinks, STARTUP_LINK_FILE, writeStartupLinkFile } from '../../../src/features/auth/startup-link.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';

const URL_BASE = 'http://127.0.0.1:4567';

describe('the sign-in link file (npm run sign-in-link)', () => {
  it('holds the current links, mode 0600, while the server runs, and goes when it closes', async () => {
    const testApp = await buildTestApp({ HOST: '127.0.0.1' });
    const { app, dataDir } = testApp;
    const token = app.startupToken.value;
    const file = path.join(dataDir, STARTUP_LINK_FILE);
    // A file left with a wider mode (by hand, or an older copy) is replaced, not reused.
    writeFileSync(file, '{}', { mode: 0o644 });

    const published = await app.startupToken.publish(URL_BASE);
    expect(published).toEqual({ url: URL_BASE, signInUrl: `${URL_BASE}/auth/token?token=${token}`, deviceSignInUrl: null, setupUrl: null, file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSignInLinks(dataDir)).toEqual({
      ok: true,
      lines: [`Sign in to Shellport with this URL (it works once; run this command again for a new one): ${URL_BASE}/auth/token?token=${token}`],
    });
    expect(testApp.logText()).not.toContain(token);

    await app.close();
    expect(existsSync(file)).toBe(false);
    expect(readSignInLinks(dataDir)).toEqual({ ok: false, message: expect.stringContaining('Shellport is not running on DATA_DIR') });
  });

  it('gives the claim link while nobody owns a server with GitHub sign-in, and says when there is no link at all', async () => {
    const claimable = await buildTestApp({ HOST: '0.0.0.0', GITHUB_CLIENT_ID: 'Iv1.example' });
    await claimable.app.startupToken.publish(URL_BASE);
    expect(readSignInLinks(claimable.dataDir)).toEqual({
      ok: true,
      lines: [`No owner yet. Claim this server by signing in with GitHub from this URL (it works once): ${URL_BASE}/auth/setup?token=${claimable.app.startupToken.setupValue}`],
    });

    const linkless = await buildTestApp({ HOST: '0.0.0.0', GITHUB_ALLOWED_USER: 'octocat', GITHUB_CLIENT_ID: 'Iv1.example', GITHUB_CLIENT_SECRET: 'example-secret' });
    await linkless.app.startupToken.publish(URL_BASE);
    const answer = readSignInLinks(linkless.dataDir);
    expect(answer).toEqual({ ok: true, lines: [expect.stringContaining(`prints no sign-in link`)] });
    expect(JSON.stringify(answer)).not.toContain(linkless.app.startupToken.value);

    // With token sign-in off but the device flow on, the link spares a new browser's device sign-in the approval.
    const deviceOnly = await buildTestApp({ HOST: '0.0.0.0', GITHUB_ALLOWED_USER: 'octocat', GITHUB_CLIENT_ID: 'Iv1.example' });
    await deviceOnly.app.startupToken.publish(URL_BASE);
    expect(readSignInLinks(deviceOnly.dataDir)).toEqual({
      ok: true,
      lines: [`To sign in with a device code from a browser that no signed-in browser can approve, open this URL in it first (it works once): ${URL_BASE}/auth/token?token=${deviceOnly.app.startupToken.value}`],
    });
  });

  it('refuses a file left by a server that died, and one it did not write', () => {
    const dataDir = makeTempDir();
    const record = { url: URL_BASE, signInUrl: `${URL_BASE}/auth/token?token=old`, setupUrl: null, pid: 4_000_000, startedAt: new Date().toISOString() };
    writeStartupLinkFile(path.join(dataDir, STARTUP_LINK_FILE), record);
    expect(readSignInLinks(dataDir, () => false)).toEqual({ ok: false, message: expect.stringContaining('no longer running (process 4000000)') });
    expect(readSignInLinks(dataDir, () => true)).toMatchObject({ ok: true });

    writeFileSync(path.join(dataDir, STARTUP_LINK_FILE), 'garbage');
    expect(readSignInLinks(dataDir)).toEqual({ ok: false, message: expect.stringContaining('not a sign-in link file') });
  });
});
