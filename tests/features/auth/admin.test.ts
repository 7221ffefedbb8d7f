import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebindOwner, rotateKey } from '../../../src/features/auth/admin.js';
import { ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, makeTempDir, testConfig } from '../../helpers/app.js';
import { fakeGitHubEnv, signInWithGitHub } from '../../helpers/github-sign-in.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub({ tokenKind: 'github-app' });
  fake.addUser({ login: 'owner', id: 1001 });
  fake.addUser({ login: 'heir', id: 3003 });
});
afterAll(async () => {
  ensureNoUnexpectedRequests(fake);
  await fake.close();
});

/** A DATA_DIR whose owner signed in through GitHub (so the vault holds an access and a refresh token, beside the Web Push key every start makes); the app is closed. */
async function ownedDataDir(extra: Record<string, string> = {}) {
  const dataDir = makeTempDir();
  const env = { DATA_DIR: dataDir, ...fakeGitHubEnv(fake), ...extra };
  const testApp = await buildTestApp(env);
  await signInWithGitHub(testApp.app, fake, 'owner', { setupToken: testApp.app.startupToken.setupValue });
  const token = await testApp.app.github.getAccessToken();
  const before = await testApp.app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
  const pushKey = testApp.app.push.publicKey;
  await testApp.app.close();
  return { dataDir, env, token, before, pushKey };
}

describe('a missing or different vault key', () => {
  it('is never replaced by a new one while the database holds secrets: the server refuses to start and says how to restore it', async () => {
    const { dataDir, env } = await ownedDataDir();
    const keyFile = path.join(dataDir, 'secret.key');
    const original = readFileSync(keyFile, 'utf8');
    rmSync(keyFile);
    await expect(buildTestApp(env)).rejects.toThrow(/secret\.key is missing, but the database holds secrets encrypted under it.*Restore the key file from its backup/);
    expect(existsSync(keyFile)).toBe(false);

    // Another valid key is refused as well, and left as it is.
    const other = `${randomBytes(32).toString('base64')}\n`;
    writeFileSync(keyFile, other, { mode: 0o600 });
    await expect(buildTestApp(env)).rejects.toThrow(/is not the key the database's secrets were encrypted with/);
    expect(readFileSync(keyFile, 'utf8')).toBe(other);
    await expect(buildTestApp({ ...env, SHELLPORT_SECRET_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(/SHELLPORT_SECRET_KEY is not the key/);

    // The right key back: it starts, and the token reads.
    writeFileSync(keyFile, original, { mode: 0o600 });
    const { app } = await buildTestApp(env);
    expect(await app.github.connectionState()).toBe('connected');
  });

  it('lost for good: key:rotate --drop-undecryptable clears the secrets and writes a new key, and the server starts', async () => {
    const { dataDir, env } = await ownedDataDir();
    const keyFile = path.join(dataDir, 'secret.key');
    rmSync(keyFile);
    expect(() => rotateKey(testConfig(env, dataDir))).toThrow(/--drop-undecryptable/);
    expect(rotateKey(testConfig(env, dataDir), { dropUndecryptable: true })).toMatchObject({ rotated: 0, dropped: 3 });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const { app } = await buildTestApp(env);
    const settings = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    expect(settings.githubAccessToken).toBeNull();
  });
});

describe('key rotation', () => {
  it('re-encrypts every secret under a new key and swaps the key file; the next start reads them', async () => {
    const { dataDir, env, token, before, pushKey } = await ownedDataDir();
    const keyFile = path.join(dataDir, 'secret.key');
    const oldKey = readFileSync(keyFile, 'utf8');

    // The two GitHub tokens and the Web Push private key.
    const result = rotateKey(testConfig(env, dataDir));
    expect(result).toMatchObject({ rotated: 3, dropped: 0, source: 'file', newKeyFile: keyFile });
    expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const { app } = await buildTestApp(env);
    const after = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    expect(after.githubAccessToken).not.toBe(before.githubAccessToken);
    expect(after.githubRefreshToken).not.toBe(before.githubRefreshToken);
    expect(await app.github.getAccessToken()).toBe(token);
    expect(await app.github.connectionState()).toBe('connected');
    // The Web Push key pair is read, not made anew (devices stay subscribed).
    expect(app.push.publicKey).toBe(pushKey);
  });

  it('also re-encrypts secret workspace variables', async () => {
    const { dataDir, env } = await ownedDataDir();
    const first = await buildTestApp(env);
    const workspace = await first.app.db.workspace.create({
      data: { name: 'demo', cloneUrl: 'https://example.com/demo.git', localPath: path.join(dataDir, 'workspaces/demo') },
    });
    const stored = first.app.vault.encrypt('hunter2');
    await first.app.db.workspaceEnvVar.create({ data: { workspaceId: workspace.id, name: 'API_KEY', secretValue: stored, isSecret: true } });
    await first.app.close();

    expect(rotateKey(testConfig(env, dataDir))).toMatchObject({ rotated: 4, dropped: 0 });

    const { app } = await buildTestApp(env);
    const variable = await app.db.workspaceEnvVar.findFirstOrThrow({ where: { name: 'API_KEY' } });
    expect(variable.secretValue).not.toBe(stored);
    expect(app.vault.decrypt(variable.secretValue!)).toBe('hunter2');
  });

  it('changes nothing when a value cannot be decrypted, unless told to drop such values', async () => {
    const { dataDir, env } = await ownedDataDir();
    const keyFile = path.join(dataDir, 'secret.key');
    const seeded = await buildTestApp(env);
    await seeded.app.db.settings.update({ where: { id: 'singleton' }, data: { githubRefreshToken: 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA' } });
    await seeded.app.close();
    const oldKey = readFileSync(keyFile, 'utf8');

    expect(() => rotateKey(testConfig(env, dataDir))).toThrow(/settings\.github_refresh_token .* cannot be decrypted .* nothing was changed/);
    expect(readFileSync(keyFile, 'utf8')).toBe(oldKey);

    expect(rotateKey(testConfig(env, dataDir), { dropUndecryptable: true })).toMatchObject({ rotated: 2, dropped: 1 });
    const { app } = await buildTestApp(env);
    expect(await app.github.getAccessToken()).toMatch(/^ghu_/);
  });

  it('runs as `npm run key:rotate` (node scripts/cli.mjs admin rotate-key)', async () => {
    const { dataDir, env, token } = await ownedDataDir();
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts/cli.mjs'), 'admin', 'rotate-key'], {
      cwd: dataDir,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Re-encrypted 3 secret(s)');
    expect(run.stdout).not.toContain(token);
    const { app } = await buildTestApp(env);
    expect(await app.github.getAccessToken()).toBe(token);
  });

  it('with SHELLPORT_SECRET_KEY, writes the new key to a 0600 file for the operator', async () => {
    const key = randomBytes(32).toString('base64');
    const { dataDir, env, token } = await ownedDataDir({ SHELLPORT_SECRET_KEY: key });
    const result = rotateKey(testConfig(env, dataDir));
    expect(result.source).toBe('env');
    expect(statSync(result.newKeyFile).mode & 0o777).toBe(0o600);
    const newKey = readFileSync(result.newKeyFile, 'utf8').trim();
    const { app } = await buildTestApp({ ...env, SHELLPORT_SECRET_KEY: newKey });
    expect(await app.github.getAccessToken()).toBe(token);
  });
});

describe('owner re-binding', () => {
  it('hands the server to another account by id, ending sessions and dropping tokens', async () => {
    const { dataDir, env } = await ownedDataDir();
    const { sessionsEnded } = await rebindOwner(testConfig(env, dataDir), { kind: 'id', id: 3003 });
    expect(sessionsEnded).toBe(1);
    const { app } = await buildTestApp(env);
    expect(await app.github.connectionState()).toBe('needs_renewal');
    expect((await signInWithGitHub(app, fake, 'owner')).callback.statusCode).toBe(403);
    expect((await signInWithGitHub(app, fake, 'heir')).cookie).not.toBeNull();
    expect(await app.db.authLog.count({ where: { action: 'owner_rebind' } })).toBe(1);
  });

  it('by login binds the id at that account\'s next sign-in; --unbind reopens the claim to the setup token', async () => {
    const { dataDir, env } = await ownedDataDir();
    await rebindOwner(testConfig(env, dataDir), { kind: 'login', login: 'Heir' });
    const first = await buildTestApp(env);
    expect((await signInWithGitHub(first.app, fake, 'owner')).callback.statusCode).toBe(403);
    expect((await signInWithGitHub(first.app, fake, 'heir')).cookie).not.toBeNull();
    expect((await first.app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } })).githubUserId).toBe(3003);
    await first.app.close();

    await rebindOwner(testConfig(env, dataDir), { kind: 'unbind' });
    const second = await buildTestApp(env);
    expect((await signInWithGitHub(second.app, fake, 'heir')).callback.statusCode).toBe(403);
    expect((await signInWithGitHub(second.app, fake, 'owner', { setupToken: second.app.startupToken.setupValue })).cookie).not.toBeNull();
  });
});
