import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VaultError, createVault, loadSecretKey } from '../../../src/infra/vault.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';

describe('the token vault', () => {
  it('round-trips with a fresh IV each time, in the versioned format', () => {
    const vault = createVault(randomBytes(32));
    const a = vault.encrypt('gho_secret');
    const b = vault.encrypt('gho_secret');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(Buffer.from(a.split(':')[1]!, 'base64')).toHaveLength(12);
    expect(vault.decrypt(a)).toBe('gho_secret');
    expect(a).not.toContain('gho_secret');
  });

  it('refuses tampered ciphertext, a wrong tag, another key, and unknown versions with VaultError', () => {
    const vault = createVault(randomBytes(32));
    const stored = vault.encrypt('gho_secret');
    const [version, iv, tag, body] = stored.split(':') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64');
    flipped[0]! ^= 1;
    const badTag = Buffer.from(tag, 'base64');
    badTag[3]! ^= 1;
    for (const bad of [
      [version, iv, tag, flipped.toString('base64')].join(':'),
      [version, iv, badTag.toString('base64'), body].join(':'),
      ['v9', iv, tag, body].join(':'),
      'gho_plaintext',
    ]) {
      expect(() => vault.decrypt(bad)).toThrow(VaultError);
      expect(vault.tryDecrypt(bad)).toBeNull();
    }
    expect(() => createVault(randomBytes(32)).decrypt(stored)).toThrow(VaultError);
  });

  it('creates DATA_DIR/secret.key with mode 0600 on first start and reuses it', async () => {
    const dataDir = makeTempDir();
    const first = await buildTestApp({ DATA_DIR: dataDir });
    const keyFile = path.join(dataDir, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const stored = first.app.vault.encrypt('kept');
    expect(first.logText()).toContain('created a new vault key file');
    await first.app.close();
    const second = await buildTestApp({ DATA_DIR: dataDir });
    expect(second.app.vault.decrypt(stored)).toBe('kept');
    expect(second.logText()).not.toContain('created a new vault key file');
    expect(second.logText()).not.toContain(readFileSync(keyFile, 'utf8').trim());
  });

  it('refuses to start with a key file readable by others, or of the wrong length, saying how to fix it', async () => {
    const dataDir = makeTempDir();
    const keyFile = path.join(dataDir, 'secret.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o644 });
    chmodSync(keyFile, 0o644);
    await expect(buildTestApp({ DATA_DIR: dataDir })).rejects.toThrow(`chmod 600 ${keyFile}`);

    writeFileSync(keyFile, `${randomBytes(16).toString('base64')}\n`);
    chmodSync(keyFile, 0o600);
    await expect(buildTestApp({ DATA_DIR: dataDir })).rejects.toThrow(/does not hold base64 of 32 bytes/);
  });

  it('uses SHELLPORT_SECRET_KEY when set and then writes no key file', async () => {
    const key = randomBytes(32).toString('base64');
    const dataDir = makeTempDir();
    const { app } = await buildTestApp({ DATA_DIR: dataDir, SHELLPORT_SECRET_KEY: key });
    expect(existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    expect(createVault(Buffer.from(key, 'base64')).decrypt(app.vault.encrypt('x'))).toBe('x');
    expect(loadSecretKey({ secretKey: key, dataDir }).source).toBe('env');
  });

  it('rejects a malformed SHELLPORT_SECRET_KEY without echoing it', async () => {
    const failure = await buildTestApp({ SHELLPORT_SECRET_KEY: 'c2hvcnQ=' }).catch((error: Error) => error);
    expect(String(failure)).toMatch(/SHELLPORT_SECRET_KEY="\(hidden\)": expected base64 of exactly 32/);
    expect(String(failure)).not.toContain('c2hvcnQ=');
  });
});
