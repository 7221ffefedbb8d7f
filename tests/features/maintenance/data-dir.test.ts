// Issue 18, finding 9: an existing DATA_DIR with mode 0777 started without a word, though anyone
// on the machine could then replace its key file or database.
import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';

function problemsOf(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe.skipIf(process.platform === 'win32')('DATA_DIR permissions', () => {
  it('refuses a DATA_DIR every user may write to, with the chmod that fixes it', () => {
    for (const mode of [0o777, 0o1777, 0o703]) {
      const dataDir = makeTempDir();
      chmodSync(dataDir, mode);
      const [problem, ...others] = problemsOf({ DATA_DIR: dataDir });
      expect(others).toEqual([]);
      expect(problem).toMatchObject({ variable: 'DATA_DIR', given: dataDir });
      expect(problem!.expected).toContain(`writable by every user (mode ${mode.toString(8).padStart(4, '0')})`);
      expect(problem!.expected).toContain(`Fix it with: chmod 700 ${dataDir}`);
    }
    // Private, group-readable or missing: accepted.
    for (const mode of [0o700, 0o755]) {
      const dataDir = makeTempDir();
      chmodSync(dataDir, mode);
      expect(loadConfig({ DATA_DIR: dataDir }).storage.dataDir).toBe(dataDir);
    }
    expect(loadConfig({ DATA_DIR: path.join(makeTempDir(), 'not-yet') }).storage.dataDir).toMatch(/not-yet$/);
  });

  it('starts with a group-writable DATA_DIR but warns at start-up and in /readyz', async () => {
    const dataDir = makeTempDir();
    chmodSync(dataDir, 0o770);
    const token = 'm'.repeat(32);
    // The vault key in the environment: no warning about backups beside it, only the group one.
    const { app, logLines } = await buildTestApp({ DATA_DIR: dataDir, METRICS_TOKEN: token, SHELLPORT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    const report = (await app.inject({ method: 'GET', url: '/readyz', headers: { authorization: `Bearer ${token}` } })).json();
    expect(report.status).toBe('ready');
    expect(report.checks.dataProtection.status).toBe('warn');
    expect(report.checks.dataProtection.message).toBe(
      `DATA_DIR ${dataDir} is writable by its group (mode 0770): members of that group could replace the key file, the database or the backups. ` +
        `Unless that is intended, fix it with: chmod 700 ${dataDir}`,
    );
    expect(logLines().filter((line) => line.level === 40 && String(line.msg).includes('is writable by its group'))).toHaveLength(1);
  });

  it('creates a missing DATA_DIR with mode 0700', async () => {
    const dataDir = path.join(makeTempDir(), 'nested', 'data');
    const { app } = await buildTestApp({ DATA_DIR: dataDir });
    await app.ready();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });
});
