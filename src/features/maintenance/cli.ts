import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { loadConfigOrExit } from '../../config/index.js';
import { systemClock } from '../../infra/clock.js';
import { createPrismaClient } from '../../infra/database/client.js';
import { migrateDatabaseFile } from '../../infra/database/plugin.js';
import { createLoggerOptions } from '../../infra/logger.js';
import { createScheduler } from '../../infra/scheduler.js';
import { BackupKeyError, readBackupKey } from './backup-encryption.js';
import { RestoreRefusedError, restoreBackup } from './restore.js';
import { createMaintenanceService } from './service.js';

const USAGE = `Usage: npm run <command>
  npm run backup                 take a verified, compressed backup now (the server may be running)
  npm run prune                  delete rows past their retention now
  npm run vacuum                 VACUUM, optimize and checkpoint the database now
  npm run restore -- <file>      replace the database with a backup (stop the server first;
                                 an encrypted one needs BACKUP_KEY_FILE set to its key)
  npm run backups                list the backups in BACKUP_DIR`;

const JOB_COMMANDS = new Set(['backup', 'prune', 'vacuum', 'metrics']);


/**
 * The operator's entry point (scripts/cli.mjs). Jobs run through the same scheduler and
 * job code as the server's API and cron, and are recorded in job_runs the same way. Logs go to
 * stderr as JSON lines; the one-line outcome goes to stdout. Exit status: 0 done, 1 failed or
 * refused, 2 wrong usage.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } catch (error) {
    if (error instanceof BackupKeyError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadConfigOrExit(2);
  const log = pino(createLoggerOptions(config.logging), pino.destination(2));
  const databaseFile = config.storage.databaseFile;

  if (command === 'restore') {
    const [file] = args;
    if (!file || args.length > 1) {
      process.stderr.write('Usage: npm run restore -- <backup file>\n');
      return 2;
    }
    // A bare name is looked up in BACKUP_DIR, as listed by `npm run backups`.
    const candidate = path.resolve(file);
    const backupFile = existsSync(candidate) || file.includes('/') ? candidate : path.join(config.maintenance.backupDir, file);
    try {
      const backupKey = config.maintenance.backupKeyFile ? readBackupKey(config.maintenance.backupKeyFile) : null;
      const result = await restoreBackup(backupFile, { databaseFile, clock: systemClock, log, backupKey });
      process.stdout.write(
        `Restored ${backupFile} into ${databaseFile}.` +
          (result.previousDatabase ? ` The previous database is kept as ${result.previousDatabase}.` : '') +
          (result.migrationsApplied.length > 0 ? ` Migrations applied: ${result.migrationsApplied.join(', ')}.` : '') +
          ' Every browser must sign in again.' +
          (result.ownerChanged ? ` Note: ${describeOwnerChange(result.ownerChanged)}` : '') +
          ' Start Shellport again.\n',
      );
      return 0;
    } catch (error) {
      if (error instanceof RestoreRefusedError) {
        process.stderr.write(`Restore refused: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  }

  if (!JOB_COMMANDS.has(command) && command !== 'backups') {
    process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(databaseFile)) {
    process.stderr.write(`There is no database at ${databaseFile}. Check DATA_DIR and DATABASE_FILE (docs/configuration.md).\n`);
    return 1;
  }
  migrateDatabaseFile(databaseFile);
  const db = createPrismaClient(databaseFile);
  try {
    await db.$connect();
    const service = createMaintenanceService({ config, db, clock: systemClock });
    if (command === 'backups') {
      for (const backup of await service.backups.listBackups()) {
        process.stdout.write(`${backup.name}\t${backup.sizeBytes}\t${backup.createdAt.toISOString()}\n`);
      }
      return 0;
    }
    const scheduler = createScheduler({ db, clock: systemClock, log, timezone: config.maintenance.timezone });
    service.registerJobs(scheduler);
    const run = await scheduler.run(command, 'cli');
    if (!run.ok) {
      process.stderr.write(`The ${command} job failed: ${run.error}. It is recorded in the job history (job_runs).\n`);
      return 1;
    }
    process.stdout.write(`The ${command} job finished in ${run.durationMs} ms: ${JSON.stringify(run.details)}\n`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

// Run directly (`node dist/features/maintenance/cli.js backup`, e.g. inside the Docker image,
// which has no scripts/ folder); scripts/cli.mjs imports runCli() instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

function describeOwnerChange({ before, after }: { before: string | null; after: string | null }): string {
  const previously = before ? `@${before}` : 'nobody';
  if (after === null) {
    return (
      `the backup has no owner (the database it replaced belonged to ${previously}): the next sign-in through the setup URL ` +
      'printed at start-up claims this server (or GITHUB_ALLOWED_USER decides, when set).'
    );
  }
  return `the backup's owner is @${after}, not ${previously}: only that GitHub account can sign in now.`;
}
