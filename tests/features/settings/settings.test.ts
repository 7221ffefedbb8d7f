import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, injectAsOwner, makeTempDir } from '../../helpers/app.js';

/** What a settings row without approval preferences answers (issue 20). */
const APPROVAL_DEFAULTS = { approvalTimeoutSeconds: 300, approvalTimeoutAction: 'deny' };

/** A shells file listing bash and sh from the machine (both exist wherever the tests run). */
function shellsFile(): string {
  const file = path.join(makeTempDir('shellport-shells-'), 'shells');
  writeFileSync(file, '# test shells\n/bin/sh\n/usr/bin/bash\n/nonexistent/zsh\n');
  return file;
}

describe('settings API', () => {
  it('answers the defaults and the allowed shells, and needs a session', async () => {
    const { app } = await buildTestApp({ TERMINAL_SHELLS_FILE: shellsFile() });
    const anonymous = await app.inject({ method: 'GET', url: '/api/settings' });
    expect(anonymous.statusCode).toBe(401);

    const response = await injectAsOwner(app, { method: 'GET', url: '/api/settings' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    // The theme follows the device until the owner chooses one.
    expect(body.settings).toEqual({ theme: 'system', fontSize: 14, scrollbackLines: 10_000, defaultShell: null, confirmLeave: true, ...APPROVAL_DEFAULTS });
    expect(body.shells).toContain('/bin/sh');
    expect(body.shells).not.toContain('/nonexistent/zsh');
  });

  it('stores theme, font size, default shell and the leave prompt, keeping other preferences, and new terminals use the shell', async () => {
    const { app } = await buildTestApp({ TERMINAL_SHELLS_FILE: shellsFile() });
    await app.db.settings.upsert({ where: { id: 'singleton' }, create: { id: 'singleton', preferences: '{"other":1}' }, update: {} });

    const patched = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { theme: 'high-contrast', fontSize: 18, scrollbackLines: 50_000, defaultShell: 'sh', confirmLeave: false } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().settings).toEqual({ theme: 'high-contrast', fontSize: 18, scrollbackLines: 50_000, defaultShell: '/bin/sh', confirmLeave: false, ...APPROVAL_DEFAULTS });

    const row = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    expect(row.theme).toBe('high-contrast');
    expect(JSON.parse(row.preferences)).toEqual({ other: 1, fontSize: 18, scrollbackLines: 50_000, defaultShell: '/bin/sh', confirmLeave: false });

    const again = await injectAsOwner(app, { method: 'GET', url: '/api/settings' });
    expect(again.json().settings).toEqual({ theme: 'high-contrast', fontSize: 18, scrollbackLines: 50_000, defaultShell: '/bin/sh', confirmLeave: false, ...APPROVAL_DEFAULTS });

    const terminal = await injectAsOwner(app, { method: 'POST', url: '/api/terminals', payload: {} });
    expect(terminal.statusCode).toBe(201);
    expect(terminal.json().session.shell).toBe('/bin/sh');
    await injectAsOwner(app, { method: 'DELETE', url: `/api/terminals/${terminal.json().session.id}` });

    const reset = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { defaultShell: null } });
    expect(reset.json().settings.defaultShell).toBeNull();
    expect(JSON.parse((await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } })).preferences)).toEqual({ other: 1, fontSize: 18, scrollbackLines: 50_000, confirmLeave: false });

    const askAgain = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { confirmLeave: true } });
    expect(askAgain.json().settings).toEqual({ theme: 'high-contrast', fontSize: 18, scrollbackLines: 50_000, defaultShell: null, confirmLeave: true, ...APPROVAL_DEFAULTS });
  });

  it('refuses shells outside the allow-list and invalid values, naming the field', async () => {
    const { app } = await buildTestApp({ TERMINAL_SHELLS_FILE: shellsFile() });
    const shell = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { defaultShell: 'zsh' } });
    expect(shell.statusCode).toBe(400);
    expect(shell.json().error.code).toBe('shell_not_allowed');
    expect(shell.json().error.details.allowed).toContain('/bin/sh');

    const outside = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { defaultShell: '/nonexistent/zsh' } });
    expect(outside.json().error.code).toBe('shell_not_allowed');

    for (const payload of [{ theme: 'pink' }, { fontSize: 100 }, { fontSize: 12.5 }, { unknown: true }, { defaultShell: 'sh; rm -rf /' }, { confirmLeave: 'no' }, { confirmLeave: null }, { scrollbackLines: 10 }, { scrollbackLines: 1_000_000 }, { scrollbackLines: 2000.5 }, { approvalTimeoutSeconds: 29 }, { approvalTimeoutSeconds: 3601 }, { approvalTimeoutSeconds: 60.5 }, { approvalTimeoutAction: 'allow' }, { approvalTimeoutAction: null }]) {
      const response = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
    const unchanged = await injectAsOwner(app, { method: 'GET', url: '/api/settings' });
    expect(unchanged.json().settings).toEqual({ theme: 'system', fontSize: 14, scrollbackLines: 10_000, defaultShell: null, confirmLeave: true, ...APPROVAL_DEFAULTS });
  });

  it('stores the approval timeout and its action in the preferences, within their limits', async () => {
    const { app } = await buildTestApp({ TERMINAL_SHELLS_FILE: shellsFile() });
    const patched = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { approvalTimeoutSeconds: 30, approvalTimeoutAction: 'ask-in-terminal' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().settings).toMatchObject({ approvalTimeoutSeconds: 30, approvalTimeoutAction: 'ask-in-terminal', fontSize: 14 });
    const row = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    expect(JSON.parse(row.preferences)).toEqual({ approvalTimeoutSeconds: 30, approvalTimeoutAction: 'ask-in-terminal' });
    const longest = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { approvalTimeoutSeconds: 3600, approvalTimeoutAction: 'deny' } });
    expect(longest.json().settings).toMatchObject({ approvalTimeoutSeconds: 3600, approvalTimeoutAction: 'deny' });

    // A value stored by hand that is out of range reads as the default.
    await app.db.settings.update({ where: { id: 'singleton' }, data: { preferences: JSON.stringify({ approvalTimeoutSeconds: 5, approvalTimeoutAction: 'maybe' }) } });
    expect((await injectAsOwner(app, { method: 'GET', url: '/api/settings' })).json().settings).toMatchObject(APPROVAL_DEFAULTS);
  });
});
