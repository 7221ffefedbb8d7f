// Secrets given by path (`<NAME>_FILE`), the way Docker secrets and systemd's LoadCredential= pass them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Env } from '../../src/config/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'shellport-secret-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** A file holding `content`, as Docker writes /run/secrets/<name> (often with a final newline). */
function secretFile(content: string): string {
  counter += 1;
  const file = path.join(dir, `secret-${counter}`);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

function failure(env: Env): ConfigError {
  try {
    loadConfig(env, { cwd: dir });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('secrets read from files', () => {
  it('reads GITHUB_CLIENT_SECRET_FILE, SHELLPORT_SECRET_KEY_FILE and METRICS_TOKEN_FILE, trimmed', () => {
    const config = loadConfig(
      {
        GITHUB_CLIENT_ID: 'Iv1.abc',
        GITHUB_CLIENT_SECRET_FILE: secretFile('  client-secret-from-a-file\n'),
        SHELLPORT_SECRET_KEY_FILE: secretFile(`${KEY}\n`),
        METRICS_TOKEN_FILE: secretFile('metrics-token-0123456789abcdef\r\n'),
      },
      { cwd: dir },
    );
    expect(config.github.clientSecret).toBe('client-secret-from-a-file');
    expect(config.auth.secretKey).toBe(KEY);
    expect(config.metrics.token).toBe('metrics-token-0123456789abcdef');
  });

  it('refuses a variable set both ways, naming both', () => {
    const error = failure({ GITHUB_CLIENT_SECRET: 'inline', GITHUB_CLIENT_SECRET_FILE: secretFile('from-file') });
    expect(error.problems).toEqual([
      { variable: 'GITHUB_CLIENT_SECRET_FILE', given: expect.stringContaining(dir), expected: 'GITHUB_CLIENT_SECRET or GITHUB_CLIENT_SECRET_FILE, not both: remove one of them' },
    ]);
    expect(error.message).not.toContain('inline');
    expect(error.message).not.toContain('from-file');
    expect(failure({ METRICS_TOKEN: 'x'.repeat(20), METRICS_TOKEN_FILE: secretFile('y'.repeat(20)) }).message).toMatch(/METRICS_TOKEN or METRICS_TOKEN_FILE, not both/);
  });

  it('stops start-up with the path and the reason when a file cannot be read or is empty', () => {
    const missing = path.join(dir, 'no-such-secret');
    const aDirectory = path.join(dir, 'a-directory');
    mkdirSync(aDirectory);
    const error = failure({ GITHUB_CLIENT_SECRET_FILE: missing, SHELLPORT_SECRET_KEY_FILE: aDirectory, METRICS_TOKEN_FILE: secretFile(' \n') });
    expect(error.problems.map((p) => [p.variable, p.given])).toEqual([
      ['GITHUB_CLIENT_SECRET_FILE', missing],
      ['SHELLPORT_SECRET_KEY_FILE', aDirectory],
      ['METRICS_TOKEN_FILE', expect.stringContaining(dir)],
    ]);
    expect(error.problems[0]!.expected).toMatch(/^a file the server can read, holding GITHUB_CLIENT_SECRET \(ENOENT: /);
    expect(error.problems[1]!.expected).toMatch(/\(EISDIR: /);
    expect(error.problems[2]!.expected).toBe('a file holding METRICS_TOKEN, but it is empty');
    expect(error.message.split('\n')[1]).toBe(`  GITHUB_CLIENT_SECRET_FILE=${JSON.stringify(missing)}: expected ${error.problems[0]!.expected}`);
  });

  it('checks a value from a file like one given directly, naming the file and not the value', () => {
    const error = failure({ SHELLPORT_SECRET_KEY_FILE: secretFile('not-a-base64-key\n'), METRICS_TOKEN_FILE: secretFile('short') });
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['METRICS_TOKEN_FILE', 'SHELLPORT_SECRET_KEY_FILE']);
    expect(error.problems.find((p) => p.variable === 'SHELLPORT_SECRET_KEY_FILE')!.expected).toMatch(/^a file holding base64 of exactly 32 random bytes/);
    expect(error.message).not.toContain('not-a-base64-key');
    expect(error.message).not.toContain('short"');
  });
});
