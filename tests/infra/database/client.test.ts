import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrismaClient, type Database } from '../../../src/infra/database/client.js';
import { migrateDatabaseFile } from '../../../src/infra/database/plugin.js';
import { makeTempDir } from '../../helpers/app.js';

const clients: Database[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.$disconnect();
});

async function openClient() {
  const file = path.join(makeTempDir(), 'shellport.db');
  migrateDatabaseFile(file);
  const db = createPrismaClient(file);
  clients.push(db);
  await db.$connect();
  return { db, file };
}

async function pragma(db: Database, name: string): Promise<string> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
  return String(Object.values(rows[0]!)[0]);
}

describe('the Prisma client', () => {
  it('runs with WAL, foreign keys, a busy timeout and synchronous=NORMAL on the connection it uses', async () => {
    const { db } = await openClient();
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(await pragma(db, 'foreign_keys')).toBe('1');
    expect(await pragma(db, 'busy_timeout')).toBe('5000');
    expect(await pragma(db, 'synchronous')).toBe('1'); // NORMAL
  });

  it('opens the plain file path it was given', async () => {
    const { db, file } = await openClient();
    const [row] = await db.$queryRawUnsafe<{ file: string }[]>(`SELECT file FROM pragma_database_list WHERE name = 'main'`);
    expect(row?.file).toBe(file);
  });

  it('enforces foreign keys and cascades deletes from workspace to sessions', async () => {
    const { db } = await openClient();
    await expect(
      db.terminal.create({ data: { workspaceId: 'missing', shell: '/bin/bash', cwd: '/tmp' } }),
    ).rejects.toThrow(/Foreign key constraint/i);

    const workspace = await db.workspace.create({
      data: { name: 'demo', githubRepo: 'octo/demo', cloneUrl: 'https://example.test/octo/demo.git', localPath: '/w/octo/demo' },
    });
    const session = await db.terminal.create({ data: { workspaceId: workspace.id, shell: '/bin/bash', cwd: '/w/octo/demo' } });
    expect(session.workspaceId).toBe(workspace.id);
    await db.workspace.delete({ where: { id: workspace.id } });
    expect(await db.terminal.count()).toBe(0);
  });

  it('fills the singleton settings row with its defaults', async () => {
    const { db } = await openClient();
    const settings = await db.settings.create({ data: {} });
    expect(settings).toMatchObject({ id: 'singleton', theme: 'system', preferences: '{}', githubAccessToken: null });
  });
});
