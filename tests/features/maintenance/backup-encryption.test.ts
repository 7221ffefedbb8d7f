// Issue 18, finding 7: DATA_DIR/backups sat beside DATA_DIR/secret.key, so any copy of DATA_DIR (or
// of the Docker volume) decrypted the owner's GitHub token from any backup. Backups are now
// encrypted under BACKUP_KEY_FILE, kept elsewhere; without it, start-up and /readyz warn.
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateDatabaseFile } from '../../../src/infra/database/plugin.js';
import { createVault, readKeyFile } from '../../../src/infra/vault.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';
import { runCli } from './helpers.js';

const OFF = { SCHEDULER_ENABLED: 'false' };
const TOKEN = 'ghu_owner_token_from_the_review';

/** A backup key file outside any DATA_DIR, as an operator creates it (openssl rand -base64 32, mode 0600). */
function makeBackupKey(mode = 0o600): string {
  const file = path.join(makeTempDir('shellport-backup-key-'), 'backup.key');
  writeFileSync(file, `${randomBytes(32).toString('base64')}\n`);
  chmodSync(file, mode);
  return file;
}

/** A DATA_DIR whose database holds the owner's GitHub token (vault ciphertext) and one backup of it. */
async function dataDirWithBackup(env: Record<string, string> = {}) {
  const testApp = await buildTestApp({ ...OFF, ...env });
  await testApp.app.db.settings.create({ data: { id: 'singleton', githubLogin: 'owner', githubAccessToken: testApp.app.vault.encrypt(TOKEN) } });
  const run = await testApp.app.scheduler.run('backup', 'api');
  expect(run.ok, String(run.error)).toBe(true);
  await testApp.app.close();
  return { ...testApp, backupName: run.details.file as string };
}

/** What a thief does with a copy of DATA_DIR: open each backup and decrypt its token with the copy's secret.key. */
function tokensFromCopy(copy: string): string[] {
  const vault = createVault(readKeyFile(path.join(copy, 'secret.key')));
  const found: string[] = [];
  for (const name of readdirSync(path.join(copy, 'backups'))) {
    let plain: Buffer;
    try {
      plain = gunzipSync(readFileSync(path.join(copy, 'backups', name)));
    } catch {
      continue; // not gzip: nothing to read without another key
    }
    const file = path.join(copy, `${name}.plain.db`);
    writeFileSync(file, plain);
    const db = new BetterSqlite3(file, { readonly: true });
    const row = db.prepare(`SELECT github_access_token AS token FROM settings`).get() as { token: string } | undefined;
    db.close();
    const token = row ? vault.tryDecrypt(row.token) : null;
    if (token) found.push(token);
  }
  return found;
}

describe('backups apart from the key', () => {
  it('encrypts backups under BACKUP_KEY_FILE: a copy of DATA_DIR, secret.key included, reads no token from them', async () => {
    const keyFile = makeBackupKey();
    const { dataDir, config, backupName } = await dataDirWithBackup({ BACKUP_KEY_FILE: keyFile });
    expect(backupName).toMatch(/^shellport-\d{8}T\d{6}Z\.db\.gz\.enc$/);
    const backupFile = path.join(config.maintenance.backupDir, backupName);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(backupFile).subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));

    const copy = makeTempDir('shellport-stolen-');
    cpSync(dataDir, copy, { recursive: true });
    expect(readdirSync(copy)).toEqual(expect.arrayContaining(['secret.key', 'backups', 'shellport.db']));
    expect(tokensFromCopy(copy)).toEqual([]);
  });

  it('restores an encrypted backup with its key, and refuses without it, with another key, or altered', async () => {
    const keyFile = makeBackupKey();
    const { dataDir, backupName } = await dataDirWithBackup({ BACKUP_KEY_FILE: keyFile });

    const withoutKey = await runCli(['restore', backupName], { DATA_DIR: dataDir });
    expect(withoutKey.code).toBe(1);
    expect(withoutKey.stderr).toContain('Restore refused');
    expect(withoutKey.stderr).toContain('BACKUP_KEY_FILE is not set');
    expect(withoutKey.stderr).toContain('Nothing was changed.');

    const otherKey = await runCli(['restore', backupName], { DATA_DIR: dataDir, BACKUP_KEY_FILE: makeBackupKey() });
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toContain('another backup key');

    const altered = path.join(dataDir, 'altered.db.gz.enc');
    const bytes = readFileSync(path.join(dataDir, 'backups', backupName));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(altered, bytes);
    const tampered = await runCli(['restore', altered], { DATA_DIR: dataDir, BACKUP_KEY_FILE: keyFile });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('altered or is damaged');
    expect(readdirSync(dataDir).some((name) => name.includes('before-restore'))).toBe(false);

    const restored = await runCli(['restore', backupName], { DATA_DIR: dataDir, BACKUP_KEY_FILE: keyFile });
    expect(restored.stderr).not.toContain('Restore refused');
    expect(restored.code).toBe(0);
    // The restored database's token opens with the vault key, as before.
    const db = new BetterSqlite3(path.join(dataDir, 'shellport.db'), { readonly: true });
    const row = db.prepare(`SELECT github_access_token AS token FROM settings`).get() as { token: string };
    db.close();
    expect(createVault(readKeyFile(path.join(dataDir, 'secret.key'))).decrypt(row.token)).toBe(TOKEN);

    // `npm run backup` from the command line encrypts too, and lists the file.
    const backup = await runCli(['backup'], { DATA_DIR: dataDir, BACKUP_KEY_FILE: keyFile });
    expect(backup.code).toBe(0);
    const listed = await runCli(['backups'], { DATA_DIR: dataDir, BACKUP_KEY_FILE: keyFile });
    expect(listed.stdout.trim().split('\n').every((line) => /^shellport-\S+\.db\.gz\.enc\t/.test(line))).toBe(true);
  });

  it('refuses to start with a backup key it cannot use, saying how to fix it', async () => {
    const missing = path.join(makeTempDir('shellport-backup-key-'), 'missing.key');
    await expect(buildTestApp({ ...OFF, BACKUP_KEY_FILE: missing })).rejects.toThrow(/does not exist\. Create one with: \(umask 077; openssl rand -base64 32 > /);
    await expect(buildTestApp({ ...OFF, BACKUP_KEY_FILE: makeBackupKey(0o644) })).rejects.toThrow(/can be read by other users \(mode 0644\)\. Fix it with: chmod 600/);
    const short = makeBackupKey();
    writeFileSync(short, 'c2hvcnQ=\n');
    await expect(buildTestApp({ ...OFF, BACKUP_KEY_FILE: short })).rejects.toThrow(/does not hold base64 of 32 bytes/);
    await expect(buildTestApp({ ...OFF, BACKUP_KEY_FILE: 'backup.key' })).rejects.toThrow(/BACKUP_KEY_FILE="backup.key": expected an absolute path/);
    const dataDir = makeTempDir();
    migrateDatabaseFile(path.join(dataDir, 'shellport.db'));
    const cli = await runCli(['backup'], { DATA_DIR: dataDir, BACKUP_KEY_FILE: missing });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`BACKUP_KEY_FILE ${missing} does not exist`);
  });
});

describe('the dataProtection readiness check and start-up warning', () => {
  const check = async (env: Record<string, string>) => {
    const testApp = await buildTestApp({ ...OFF, ...env });
    const response = await testApp.app.inject({ method: 'GET', url: '/readyz', headers: { authorization: 'Bearer ' + 'x'.repeat(32) } });
    const warned = testApp.logLines().filter((line) => line.level === 40 && /BACKUP_KEY_FILE|writable by its group/.test(String(line.msg)));
    return { status: response.statusCode, result: response.json().checks.dataProtection, warned, testApp };
  };
  const METRICS = { METRICS_TOKEN: 'x'.repeat(32) };

  it('warns (still ready) while plain backups share a file system with the vault key, and logs it at start-up', async () => {
    const { status, result, warned, testApp } = await check(METRICS);
    expect(status).toBe(200);
    expect(result).toMatchObject({ status: 'warn', backupsEncrypted: false });
    expect(result.message).toContain(`share a file system with the vault key ${path.join(testApp.dataDir, 'secret.key')}`);
    expect(result.message).toContain('Set BACKUP_KEY_FILE');
    expect(warned).toHaveLength(1);
  });

  it('is ok with BACKUP_KEY_FILE outside DATA_DIR, or with the vault key in SHELLPORT_SECRET_KEY', async () => {
    const encrypted = await check({ ...METRICS, BACKUP_KEY_FILE: makeBackupKey() });
    expect(encrypted.result).toMatchObject({ status: 'ok', backupsEncrypted: true });
    expect(encrypted.warned).toEqual([]);
    const envKey = await check({ ...METRICS, SHELLPORT_SECRET_KEY: randomBytes(32).toString('base64') });
    expect(envKey.result).toMatchObject({ status: 'ok', backupsEncrypted: false });
  });

  it('warns when BACKUP_KEY_FILE lies beside the backups', async () => {
    const backupDir = makeTempDir('shellport-backups-');
    const keyFile = path.join(backupDir, 'keys', 'backup.key');
    mkdirSync(path.dirname(keyFile), { mode: 0o700 });
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const inside = await check({ ...METRICS, BACKUP_DIR: backupDir, BACKUP_KEY_FILE: keyFile });
    expect(inside.result).toMatchObject({ status: 'warn', backupsEncrypted: true });
    expect(inside.result.message).toContain(`BACKUP_KEY_FILE ${keyFile} is inside BACKUP_DIR`);
    expect(inside.warned).toHaveLength(1);
  });

  // Needs a second file system: /dev/shm is a tmpfs on most Linux machines.
  const shm = statSync('/dev/shm', { throwIfNoEntry: false });
  it.skipIf(!shm || shm.dev === statSync(tmpdir()).dev)('is ok when plain backups are on another file system than the vault key', async () => {
    const backupDir = mkdtempSync('/dev/shm/shellport-backups-');
    try {
      const apart = await check({ ...METRICS, BACKUP_DIR: backupDir });
      expect(apart.result).toMatchObject({ status: 'ok', backupsEncrypted: false });
      expect(apart.warned).toEqual([]);
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }
  });
});
