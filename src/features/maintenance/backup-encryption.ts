import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/**
 * Backups encrypted under a key of their own (BACKUP_KEY_FILE), kept apart from DATA_DIR: the
 * database's secrets are encrypted with the vault key, which lives in DATA_DIR beside the backups,
 * so without this any copy of DATA_DIR or its volume opens every backup (issue 18, finding 7).
 *
 * File layout: MAGIC, the key's 8-byte id, a random 12-byte IV, the gzip stream encrypted with
 * AES-256-GCM (MAGIC, id and IV as additional data), the 16-byte tag.
 */
const MAGIC = Buffer.from('SHELLPORT-BACKUP-AES256GCM-1\n', 'ascii');
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + IV_BYTES;
const SECRET_BYTES = 32;

/** A backup key file that cannot be used; the message says how to fix it. */
export class BackupKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupKeyError';
  }
}

/** An encrypted backup that cannot be opened: no key, another key, or altered data. */
export class BackupDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupDecryptionError';
  }
}

export interface BackupKey {
  /** Names the key without revealing it (hex), so a restore can say which key a backup needs. */
  id: string;
  file: string;
  encryptionKey: Buffer;
}

export const CREATE_BACKUP_KEY_HINT = 'Create one with: (umask 077; openssl rand -base64 32 > FILE)';

/** Reads BACKUP_KEY_FILE (base64 of 32 random bytes), refusing a missing file, loose permissions and a wrong length. */
export function readBackupKey(file: string): BackupKey {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BackupKeyError(
      code === 'ENOENT'
        ? `BACKUP_KEY_FILE ${file} does not exist. ${CREATE_BACKUP_KEY_HINT.replace('FILE', file)}, keep a copy apart from the backups (docs/operations.md), or unset BACKUP_KEY_FILE.`
        : `BACKUP_KEY_FILE ${file} cannot be read (${code ?? (error as Error).message}).`,
    );
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new BackupKeyError(
      `BACKUP_KEY_FILE ${file} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}). Fix it with: chmod 600 ${file}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new BackupKeyError(`BACKUP_KEY_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  const secret = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (secret.length !== SECRET_BYTES) {
    throw new BackupKeyError(`BACKUP_KEY_FILE ${file} does not hold base64 of ${SECRET_BYTES} bytes. ${CREATE_BACKUP_KEY_HINT.replace('FILE', file)}.`);
  }
  const key = deriveBackupKey(secret, file);
  secret.fill(0);
  return key;
}

/** Separate keys for the id and the encryption, so the id says nothing about the key. */
export function deriveBackupKey(secret: Buffer, file: string): BackupKey {
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, length));
  return { id: derive('shellport backup key id', KEY_ID_BYTES).toString('hex'), file, encryptionKey: derive('shellport backup encryption', 32) };
}

/** Compresses `source` (a verified copy of the database) into `destination`, encrypted. */
export async function gzipAndEncryptFile(source: string, destination: string, key: BackupKey): Promise<void> {
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.from(key.id, 'hex'), iv]);
  const cipher = createCipheriv('aes-256-gcm', key.encryptionKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  await pipeline(
    createReadStream(source),
    createGzip({ level: 6 }),
    cipher,
    async function* (body: AsyncIterable<Buffer>) {
      yield header;
      for await (const chunk of body) yield chunk;
      // The cipher has ended here, so its tag is final.
      yield cipher.getAuthTag();
    },
    createWriteStream(destination, { mode: 0o600, flags: 'wx' }),
  );
}

/** Whether a file starts like an encrypted backup. */
export async function isEncryptedBackup(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const start = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(start, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && start.equals(MAGIC);
  } finally {
    await handle.close();
  }
}

/**
 * Decrypts and gunzips an encrypted backup to `destination`. Throws BackupDecryptionError without
 * a key, with another key, or when the file was altered (the tag is checked at the end, so the
 * destination is only to be used when this resolves).
 */
export async function decryptBackupFile(source: string, destination: string, key: BackupKey | null): Promise<void> {
  const size = statSync(source).size;
  if (size <= HEADER_BYTES + TAG_BYTES) throw new BackupDecryptionError('the encrypted backup is truncated');
  const handle = await open(source, 'r');
  const header = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(header, 0, HEADER_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const keyId = header.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES).toString('hex');
  if (!key) {
    throw new BackupDecryptionError(
      `it is encrypted (backup key id ${keyId}) and BACKUP_KEY_FILE is not set: run the restore with BACKUP_KEY_FILE naming the backup key it was written with`,
    );
  }
  if (keyId !== key.id) {
    throw new BackupDecryptionError(
      `it was encrypted with another backup key (id ${keyId}) than the one in ${key.file} (id ${key.id}): set BACKUP_KEY_FILE to the key it was written with`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key.encryptionKey, header.subarray(MAGIC.length + KEY_ID_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      createReadStream(source, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }),
      decipher,
      createGunzip(),
      createWriteStream(destination, { mode: 0o600 }),
    );
  } catch (error) {
    throw new BackupDecryptionError(`the encrypted data was altered or is damaged (${(error as Error).message})`);
  }
}
