import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../../config/index.js';
import { systemClock, type Clock } from '../../infra/clock.js';
import { createPrismaClient } from '../../infra/database/client.js';
import {
  ENCRYPTED_COLUMNS,
  KEY_FILE_NAME,
  SecretKeyError,
  createVault,
  generateSecretKey,
  readKeyFile,
  writeKeyFile,
} from '../../infra/vault.js';
import { SETTINGS_ID } from '../settings/row.js';

/*
 * Recovery commands run with the server stopped (see docs/security.md):
 * - rotateKey: re-encrypts every vault value under a new key in one transaction;
 * - rebindOwner: hands the server to another GitHub account (or to the next claim).
 */

export interface RotateKeyResult {
  /** Values re-encrypted. */
  rotated: number;
  /** Values that could not be decrypted and were cleared (only with dropUndecryptable). */
  dropped: number;
  /** Where the new key is: the key file, or a file to copy into SHELLPORT_SECRET_KEY. */
  newKeyFile: string;
  source: 'env' | 'file';
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Re-encrypts every column listed in ENCRYPTED_COLUMNS under a fresh key, in one transaction,
 * then swaps the key file by rename. The new key is written (0600) before the transaction commits,
 * so no committed state exists whose key is not on disk.
 */
export function rotateKey(config: Config, options: { dropUndecryptable?: boolean } = {}): RotateKeyResult {
  const keyFile = path.join(config.storage.dataDir, KEY_FILE_NAME);
  const source = config.auth.secretKey ? 'env' : 'file';
  // A lost key with --drop-undecryptable: nothing decrypts, everything encrypted is cleared, and a new key is written.
  const keyLost = source === 'file' && !existsSync(keyFile);
  if (keyLost && !options.dropUndecryptable) {
    throw new SecretKeyError(
      `There is no key to rotate: ${keyFile} does not exist and SHELLPORT_SECRET_KEY is not set. Restore it from its backup, or, if it is lost for good, run again with --drop-undecryptable.`,
    );
  }
  if (!existsSync(config.storage.databaseFile)) throw new Error(`No database at ${config.storage.databaseFile}; check DATA_DIR.`);
  const oldVault = createVault(source === 'env' ? Buffer.from(config.auth.secretKey!, 'base64') : keyLost ? generateSecretKey() : readKeyFile(keyFile));
  const newKey = generateSecretKey();
  const newVault = createVault(newKey);
  const nextKeyFile = source === 'env' ? path.join(config.storage.dataDir, `${KEY_FILE_NAME}.rotated`) : `${keyFile}.next`;
  rmSync(nextKeyFile, { force: true });
  writeKeyFile(nextKeyFile, newKey);

  const db = new BetterSqlite3(config.storage.databaseFile);
  let rotated = 0;
  let dropped = 0;
  try {
    db.pragma('busy_timeout = 5000');
    db.transaction(() => {
      for (const { table, idColumn, column } of ENCRYPTED_COLUMNS) {
        const rows = db.prepare(`SELECT ${quote(idColumn)} AS id, ${quote(column)} AS value FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL`).all() as Array<{
          id: unknown;
          value: string;
        }>;
        const update = db.prepare(`UPDATE ${quote(table)} SET ${quote(column)} = ? WHERE ${quote(idColumn)} = ?`);
        for (const row of rows) {
          const plain = oldVault.tryDecrypt(row.value);
          if (plain === null) {
            if (!options.dropUndecryptable) {
              throw new SecretKeyError(
                `${table}.${column} (row ${String(row.id)}) cannot be decrypted with the current key, so nothing was changed. ` +
                  'Run again with --drop-undecryptable to clear such values (you then sign in with GitHub again).',
              );
            }
            update.run(null, row.id);
            dropped += 1;
            continue;
          }
          update.run(newVault.encrypt(plain), row.id);
          rotated += 1;
        }
      }
    })();
  } catch (error) {
    rmSync(nextKeyFile, { force: true });
    throw error;
  } finally {
    db.close();
  }
  if (source === 'file') {
    // writeKeyFile fsynced the new key; rename() within one directory replaces the file atomically.
    renameSync(nextKeyFile, keyFile);
    return { rotated, dropped, newKeyFile: keyFile, source };
  }
  return { rotated, dropped, newKeyFile: nextKeyFile, source };
}


export type RebindTarget = { kind: 'id'; id: number } | { kind: 'login'; login: string } | { kind: 'unbind' };

export function parseRebindTarget(argument: string | undefined): RebindTarget {
  if (argument === '--unbind') return { kind: 'unbind' };
  if (argument && /^\d+$/.test(argument)) return { kind: 'id', id: Number(argument) };
  if (argument && /^[a-z\d](?:[a-z\d-]{0,38})$/i.test(argument)) return { kind: 'login', login: argument };
  throw new Error('Usage: npm run owner:rebind -- <github-login | numeric-github-id | --unbind>');
}

/**
 * Re-binds the owner: by numeric id (exact), by login (bound to that account's id at its next
 * sign-in), or unbinds (the next sign-in with the start-up setup token claims the server).
 * Drops the stored GitHub tokens and ends every sign-in session, in one transaction.
 */
export async function rebindOwner(config: Config, target: RebindTarget, clock: Clock = systemClock): Promise<{ sessionsEnded: number }> {
  const db = createPrismaClient(config.storage.databaseFile);
  try {
    const owner =
      target.kind === 'id'
        ? { githubUserId: target.id, githubLogin: null }
        : target.kind === 'login'
          ? { githubUserId: null, githubLogin: target.login }
          : { githubUserId: null, githubLogin: null };
    const cleared = {
      ...owner,
      githubName: null,
      githubAvatarUrl: null,
      githubAccessToken: null,
      githubRefreshToken: null,
      githubTokenExpiresAt: null,
      githubRefreshTokenExpiresAt: null,
    };
    const [, sessions] = await db.$transaction([
      db.settings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...cleared }, update: cleared }),
      db.authSession.deleteMany({}),
      db.authLog.create({
        data: { action: 'owner_rebind', success: true, details: JSON.stringify({ target }), createdAt: clock.now(), ip: null, userAgent: 'cli' },
      }),
    ]);
    return { sessionsEnded: sessions.count };
  } finally {
    await db.$disconnect();
  }
}
