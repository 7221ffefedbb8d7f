import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The token vault: AES-256-GCM with a random 96-bit IV per encryption; the auth tag is checked on
 * decryption. Ciphertext is text, `v1:<iv base64>:<tag base64>:<ciphertext base64>`; the version
 * prefix lets the scheme change later while old values stay readable.
 *
 * Other features store secrets with `app.vault.encrypt(plain)` and read them with
 * `app.vault.decrypt(stored)`, which throws `VaultError` for anything tampered or encrypted under
 * another key (callers report that as "needs to be renewed", never crash, never log the value).
 * Every encrypted column must be listed in ENCRYPTED_COLUMNS so that key rotation re-encrypts it.
 */
export interface Vault {
  encrypt(plaintext: string): string;
  /** Throws VaultError when the value is not ours, was altered, or was written under another key. */
  decrypt(ciphertext: string): string;
  /** decrypt(), or null instead of throwing. */
  tryDecrypt(ciphertext: string): string | null;
}

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

/** A key file or SHELLPORT_SECRET_KEY that cannot be used; the message says how to fix it. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_FILE_NAME = 'secret.key';

/**
 * Columns holding vault ciphertext, re-encrypted by `npm run key:rotate`. A feature that stores a
 * new kind of secret adds its table, primary-key column and ciphertext column here.
 */
export const ENCRYPTED_COLUMNS: ReadonlyArray<{ table: string; idColumn: string; column: string }> = [
  { table: 'settings', idColumn: 'id', column: 'github_access_token' },
  { table: 'settings', idColumn: 'id', column: 'github_refresh_token' },
  { table: 'workspace_env_vars', idColumn: 'id', column: 'secret_value' },
  { table: 'push_keys', idColumn: 'id', column: 'private_key' },
  { table: 'mcp_server_values', idColumn: 'id', column: 'secret_value' },
];

export function createVault(key: Buffer): Vault {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`The vault key must be ${KEY_BYTES} bytes, not ${key.length}.`);
  const keyCopy = Buffer.from(key);

  function decrypt(ciphertext: string): string {
    const parts = ciphertext.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new VaultError('Not a vault value (unknown format or version).');
    const iv = Buffer.from(parts[1]!, 'base64');
    const tag = Buffer.from(parts[2]!, 'base64');
    const body = Buffer.from(parts[3]!, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new VaultError('Not a vault value (bad IV or tag length).');
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyCopy, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('The value was altered or encrypted under another key.');
    }
  }

  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyCopy, iv, { authTagLength: TAG_BYTES });
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
    },
    decrypt,
    tryDecrypt(ciphertext) {
      try {
        return decrypt(ciphertext);
      } catch {
        return null;
      }
    },
  };
}

export function generateSecretKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Reads a key file (base64 text of 32 bytes), refusing loose permissions and wrong lengths. */
export function readKeyFile(file: string): Buffer {
  const stats = statSync(file);
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    throw new SecretKeyError(
      `The key file ${file} is readable by other users (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}). ` +
        `Fix it with: chmod 600 ${file}`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `The key file ${file} does not hold base64 of ${KEY_BYTES} bytes. Restore it from your backup ` +
        `(secrets encrypted under it cannot be read without it), or delete it to start with a new key and sign in with GitHub again.`,
    );
  }
  return key;
}

/** Writes a key file with mode 0600 through a temporary file and a rename, so it is never half-written. */
export function writeKeyFile(file: string, key: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/**
 * The vault key: SHELLPORT_SECRET_KEY when set, otherwise DATA_DIR/secret.key, created on first
 * start. Throws SecretKeyError with the fix when the file cannot be used.
 */
export function loadSecretKey(options: {
  secretKey: string | null;
  dataDir: string;
  /** Where the database holds ciphertext (a new key would leave it unreadable): never create a key then. */
  storedSecret?: StoredSecret | null;
}): { key: Buffer; source: 'env' | 'file'; file: string; created: boolean } {
  const file = path.join(options.dataDir, KEY_FILE_NAME);
  if (options.secretKey) return { key: Buffer.from(options.secretKey, 'base64'), source: 'env', file, created: false };
  try {
    return { key: readKeyFile(file), source: 'file', file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (options.storedSecret) {
    throw new SecretKeyError(
      `The vault key file ${file} is missing, but the database holds secrets encrypted under it (${options.storedSecret.table}.${options.storedSecret.column}), ` +
        'so no new key was created. Restore the key file from its backup (mode 0600), or set SHELLPORT_SECRET_KEY to the key. ' +
        `If the key is lost for good: ${DROP_SECRETS_HINT}`,
    );
  }
  const key = generateSecretKey();
  writeKeyFile(file, key);
  return { key, source: 'file', file, created: true };
}

const DROP_SECRETS_HINT =
  'npm run key:rotate -- --drop-undecryptable writes a new key and clears what the old one encrypted (the GitHub token and secret workspace variables: sign in with GitHub again and enter those values again).';

/** One stored ciphertext and where it is: the key that opens it is the key the database was written under. */
export interface StoredSecret {
  table: string;
  column: string;
  value: string;
}

/** Reads the first ciphertext of ENCRYPTED_COLUMNS with `query` (raw SQL returning `{ value }` rows), or null when none is stored. */
export async function findStoredSecret(query: (sql: string) => Promise<Array<{ value: unknown }>>): Promise<StoredSecret | null> {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  for (const { table, column } of ENCRYPTED_COLUMNS) {
    const rows = await query(`SELECT ${quote(column)} AS value FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL AND ${quote(column)} <> '' LIMIT 1`);
    const value = rows[0]?.value;
    if (typeof value === 'string') return { table, column, value };
  }
  return null;
}

/** Refuses a key that does not open what the database holds: a different key would be written over silently otherwise. */
export function ensureKeyOpens(vault: Vault, stored: StoredSecret | null, source: 'env' | 'file', file: string): void {
  if (!stored || vault.tryDecrypt(stored.value) !== null) return;
  const where = source === 'env' ? 'SHELLPORT_SECRET_KEY' : `the key file ${file}`;
  throw new SecretKeyError(
    `${where} is not the key the database's secrets were encrypted with (${stored.table}.${stored.column} does not decrypt), so Shellport did not start: ` +
      'with another key it would store new secrets beside ones nobody can read. Put back the right key (restore the key file from its backup, mode 0600, or fix SHELLPORT_SECRET_KEY). ' +
      `If the right key is lost for good: ${DROP_SECRETS_HINT}`,
  );
}

declare module 'fastify' {
  interface FastifyInstance {
    vault: Vault;
  }
}

export interface VaultPluginOptions {
  secretKey: string | null;
  dataDir: string;
}

/**
 * Decorates `app.vault`; refuses to start when the key cannot be loaded, when it is missing while the
 * database holds ciphertext (it never creates a key then), and when it does not open that ciphertext.
 */
export const vaultPlugin = fp(
  async (app: FastifyInstance, options: VaultPluginOptions) => {
    const storedSecret = await findStoredSecret((sql) => app.db.$queryRawUnsafe<Array<{ value: unknown }>>(sql));
    const loaded = loadSecretKey({ ...options, storedSecret });
    const vault = createVault(loaded.key);
    loaded.key.fill(0);
    ensureKeyOpens(vault, storedSecret, loaded.source, loaded.file);
    if (loaded.created) app.log.warn({ file: loaded.file }, 'created a new vault key file; back it up, separately from the database backups (see docs/operations.md)');
    app.decorate('vault', vault);
  },
  { name: 'vault', dependencies: ['database'] },
);
