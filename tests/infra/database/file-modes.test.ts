// What the server creates on disk is private to its user whatever the umask: the database (auth
// log, workspace variables, encrypted tokens), the data directory and the workspaces (clones of
// private repositories).
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ensureConfined } from '../../../src/features/workspaces/paths.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';

let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});

const modeOf = (file: string) => statSync(file).mode & 0o777;

it('creates the data directory, the database and the workspaces directory for its user only, under a permissive umask', async () => {
  const dataDir = path.join(makeTempDir(), 'fresh', 'data');
  const { app, config } = await buildTestApp({ DATA_DIR: dataDir });
  expect(modeOf(dataDir)).toBe(0o700);
  expect(modeOf(config.storage.databaseFile)).toBe(0o600);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(200);
  // The workspaces root appears with the first workspace, through the check every clone path passes.
  await ensureConfined(config.workspaces.rootDir, path.join(config.workspaces.rootDir, 'octocat', 'repo'));
  expect(modeOf(config.workspaces.rootDir)).toBe(0o700);
});
