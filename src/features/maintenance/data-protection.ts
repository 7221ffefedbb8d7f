import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { dataDirWarning } from '../../config/storage.js';
import { KEY_FILE_NAME } from '../../infra/vault.js';
import type { CheckResult } from '../health/readiness.js';

const GUIDE = 'docs/operations.md, "Keeping the keys apart from the backups"';

/**
 * Whether the backups can be read by whoever copies the disk or volume they are on: the readiness
 * check `dataProtection`, also logged at start-up. It warns when plain backups share a file system
 * with the vault key file that decrypts their secrets, when BACKUP_KEY_FILE sits inside DATA_DIR or
 * BACKUP_DIR, and when DATA_DIR is group-writable. It never fails readiness: the server works.
 */
export function checkDataProtection(config: Pick<Config, 'storage' | 'maintenance' | 'auth'>): CheckResult {
  const { dataDir } = config.storage;
  const { backupDir, backupKeyFile } = config.maintenance;
  const warnings: string[] = [];
  let found: string;

  if (backupKeyFile) {
    const inside = [dataDir, backupDir].find((directory) => isInside(backupKeyFile, directory));
    if (inside) {
      warnings.push(
        `BACKUP_KEY_FILE ${backupKeyFile} is inside ${inside === dataDir ? 'DATA_DIR' : 'BACKUP_DIR'}: a copy of it holds the backups and the key that opens them. ` +
          `Keep the backup key elsewhere (${GUIDE}).`,
      );
    }
    found = 'Backups are encrypted with the key in BACKUP_KEY_FILE.';
  } else if (config.auth.secretKey) {
    found = 'Backups are not encrypted; the vault key that opens their secrets is SHELLPORT_SECRET_KEY, not a file beside them.';
  } else {
    const keyFile = path.join(dataDir, KEY_FILE_NAME);
    if (isSameFileSystem(backupDir, path.dirname(keyFile))) {
      warnings.push(
        `Backups in ${backupDir} are not encrypted and share a file system with the vault key ${keyFile}: any copy of that disk or volume ` +
          `decrypts the GitHub token and the secret variables in every backup. Set BACKUP_KEY_FILE to a key kept elsewhere, or keep BACKUP_DIR on other storage (${GUIDE}).`,
      );
    }
    found = 'Backups are not encrypted, and on another file system than the vault key.';
  }

  const groupWritable = dataDirWarning(dataDir);
  if (groupWritable) warnings.push(groupWritable);
  return {
    status: warnings.length > 0 ? 'warn' : 'ok',
    message: warnings.length > 0 ? warnings.join(' ') : found,
    backupsEncrypted: backupKeyFile !== null,
  };
}

/** Whether `file` is `directory` or lies under it, after resolving symbolic links where they exist. */
function isInside(file: string, directory: string): boolean {
  const relative = path.relative(realish(directory), realish(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Two paths' file systems, judged by their nearest existing ancestors (a backup directory may not exist yet). */
function isSameFileSystem(a: string, b: string): boolean {
  return statSync(nearestExisting(a)).dev === statSync(nearestExisting(b)).dev;
}

function nearestExisting(target: string): string {
  let current = path.resolve(target);
  for (;;) {
    try {
      statSync(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** The real path of the nearest existing ancestor, with the rest appended. */
function realish(target: string): string {
  const existing = nearestExisting(target);
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    real = existing;
  }
  return path.join(real, path.relative(existing, path.resolve(target)));
}
