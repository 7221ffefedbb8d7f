// The default-shell list (issue 16): each shell once, however many names /etc/shells gives it through
// the /bin → /usr/bin link, and no restricted shell or nologin; terminals keep accepting every allowed path.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listShellChoices, matchingChoice } from '../../../src/features/settings/shell-choices.js';
import { listAllowedShells } from '../../../src/features/terminals/context.js';
import { buildTestApp, injectAsOwner, makeTempDir } from '../../helpers/app.js';

/**
 * A merged-/usr machine in a temp directory: bin → usr/bin, bash (the real one, linked), rbash → bash,
 * sh → dash, nologin; and a shells file that lists each under both names, as Debian's does.
 */
function mergedUsrRoot() {
  const root = makeTempDir('shellport-shells-');
  const usrBin = path.join(root, 'usr/bin');
  mkdirSync(usrBin, { recursive: true });
  mkdirSync(path.join(root, 'usr/sbin'));
  symlinkSync('usr/bin', path.join(root, 'bin'));
  const realBash = realpathSync(execFileSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim());
  symlinkSync(realBash, path.join(usrBin, 'bash'));
  symlinkSync('bash', path.join(usrBin, 'rbash'));
  writeFileSync(path.join(usrBin, 'dash'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(usrBin, 'dash'), 0o755);
  symlinkSync('dash', path.join(usrBin, 'sh'));
  writeFileSync(path.join(root, 'usr/sbin/nologin'), '#!/bin/sh\nexit 1\n');
  chmodSync(path.join(root, 'usr/sbin/nologin'), 0o755);
  const entries = ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/bash', 'bin/rbash', 'usr/bin/rbash', 'bin/dash', 'usr/bin/dash', 'usr/sbin/nologin'];
  const shellsFile = path.join(root, 'shells');
  writeFileSync(shellsFile, `# /etc/shells: valid login shells\n${entries.map((entry) => path.join(root, entry)).join('\n')}\n`);
  return { root, shellsFile, at: (entry: string) => path.join(root, entry) };
}

describe('the default-shell choices', () => {
  it('lists each shell once under its first-listed name, keeping sh and dash apart, without rbash or nologin', async () => {
    const { shellsFile, at } = mergedUsrRoot();
    const allowed = await listAllowedShells(shellsFile, '');
    expect(allowed).toHaveLength(9);
    expect(await listShellChoices(allowed)).toEqual([at('bin/sh'), at('bin/bash'), at('bin/dash')]);
    // Another name of a listed shell finds it; a restricted one finds nothing.
    const choices = await listShellChoices(allowed);
    expect(await matchingChoice(at('usr/bin/bash'), choices)).toBe(at('bin/bash'));
    expect(await matchingChoice(at('usr/bin/rbash'), choices)).toBeNull();
  });

  it('offers the choices in Settings, stores another name as the listed one, and refuses rbash; terminals still take any allowed path', async () => {
    const { shellsFile, at } = mergedUsrRoot();
    const { app } = await buildTestApp({ TERMINAL_SHELLS_FILE: shellsFile, HOME: makeTempDir('shellport-home-'), TERMINAL_KILL_GRACE_MS: '300' });
    const { shells } = (await injectAsOwner(app, { method: 'GET', url: '/api/settings' })).json() as { shells: string[] };
    // The shells file's three, then bash and sh from PATH unless they are the same program under the same name.
    expect(shells.slice(0, 3)).toEqual([at('bin/sh'), at('bin/bash'), at('bin/dash')]);
    expect(shells.filter((shell) => /\/(rbash|nologin)$/.test(shell))).toEqual([]);
    const keys = shells.map((shell) => `${path.basename(shell)} ${realpathSync(shell)}`);
    expect(new Set(keys).size).toBe(keys.length);

    const patched = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { defaultShell: at('usr/bin/bash') } });
    expect(patched.json().settings.defaultShell).toBe(at('bin/bash'));
    const restricted = await injectAsOwner(app, { method: 'PATCH', url: '/api/settings', payload: { defaultShell: at('bin/rbash') } });
    expect(restricted.statusCode).toBe(400);
    expect(restricted.json().error).toMatchObject({ code: 'shell_not_allowed', details: { allowed: shells } });

    // A default stored under its other name (before this change) shows as the listed one.
    const row = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    await app.db.settings.update({ where: { id: row.id }, data: { preferences: JSON.stringify({ defaultShell: at('usr/bin/bash') }) } });
    expect((await injectAsOwner(app, { method: 'GET', url: '/api/settings' })).json().settings.defaultShell).toBe(at('bin/bash'));

    const terminal = await injectAsOwner(app, { method: 'POST', url: '/api/terminals', payload: { shell: at('usr/bin/rbash') } });
    expect(terminal.statusCode, terminal.body).toBe(201);
    expect(terminal.json().session.shell).toBe(at('usr/bin/rbash'));
    await injectAsOwner(app, { method: 'DELETE', url: `/api/terminals/${terminal.json().session.id}` });
  });
});
