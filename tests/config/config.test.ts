import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

function problemsOf(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from defaults that work on a fresh clone', () => {
    const config = loadConfig({}, { cwd: '/srv/shellport' });
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      trustProxy: false,
      isLoopbackOnly: true,
    });
    expect(config.storage.dataDir).toBe('/srv/shellport/data');
    expect(config.storage.databaseFile).toBe('/srv/shellport/data/shellport.db');
    expect(config.logging).toEqual({ level: 'info', format: 'auto' });
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('counts as local-only only with a loopback HOST and PUBLIC_URL and no trusted proxy', () => {
    const localOnly = (env: Record<string, string>) => loadConfig({ HOST: '127.0.0.1', ...env }).server.isLoopbackOnly;
    expect(localOnly({})).toBe(true);
    expect(localOnly({ PUBLIC_URL: 'http://localhost:3000' })).toBe(true);
    expect(localOnly({ HOST: '::1', PUBLIC_URL: 'http://[::1]:3000' })).toBe(true);
    // A reverse proxy on the same machine: peers look like loopback, but the configuration says otherwise.
    expect(localOnly({ PUBLIC_URL: 'https://shell.example.com' })).toBe(false);
    expect(localOnly({ TRUST_PROXY: '127.0.0.1' })).toBe(false);
    expect(localOnly({ HOST: '0.0.0.0' })).toBe(false);
  });

  it('reads every variable and derives the public URL from host and port', () => {
    const config = loadConfig(
      { HOST: '0.0.0.0', PORT: '8080', DATA_DIR: '/var/lib/shellport', DATABASE_FILE: 'db/main.db', LOG_LEVEL: 'warn', TRUST_PROXY: '1' },
      { cwd: '/tmp' },
    );
    expect(config.server.publicUrl).toBe('http://localhost:8080');
    expect(config.server.isLoopbackOnly).toBe(false);
    expect(config.server.trustProxy).toBe(1);
    expect(config.storage.databaseFile).toBe(path.join('/var/lib/shellport', 'db/main.db'));
    expect(config.logging.level).toBe('warn');
  });

  it('reads LOG_FORMAT: auto (readable on a terminal) or json', () => {
    expect(loadConfig({ LOG_FORMAT: 'json' }).logging.format).toBe('json');
    expect(loadConfig({ LOG_FORMAT: '' }).logging.format).toBe('auto');
    expect(problemsOf({ LOG_FORMAT: 'pretty' })).toEqual([{ variable: 'LOG_FORMAT', given: 'pretty', expected: 'one of auto, json' }]);
  });

  it('keeps an explicit PUBLIC_URL without its trailing slash and parses proxy lists', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://shell.example.com/', TRUST_PROXY: '10.0.0.1, 192.168.0.0/16' });
    expect(config.server.publicUrl).toBe('https://shell.example.com');
    expect(config.server.trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16']);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', HOST: ' ' }).server.port).toBe(3000);
  });

  it('is frozen all the way down', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('names every bad variable with the value given and what is expected', () => {
    const problems = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', PUBLIC_URL: 'ftp://x', TRUST_PROXY: 'maybe?' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'TRUST_PROXY']);
    expect(problems.find((p) => p.variable === 'PORT')).toEqual({
      variable: 'PORT',
      given: 'abc',
      expected: 'a whole number from 0 to 65535',
    });
    expect(problems.find((p) => p.variable === 'LOG_LEVEL')?.expected).toMatch(/one of fatal, error, warn, info/);
  });

  it('rejects out-of-range and fractional ports', () => {
    expect(problemsOf({ PORT: '70000' })[0]?.variable).toBe('PORT');
    expect(problemsOf({ PORT: '80.5' })[0]?.variable).toBe('PORT');
  });

  it('formats one readable line per problem', () => {
    try {
      loadConfig({ PORT: 'abc', MIN_FREE_DISK_MB: '-5' });
      expect.unreachable();
    } catch (error) {
      const lines = (error as Error).message.split('\n');
      expect(lines[0]).toBe('Invalid configuration:');
      expect(lines).toContain('  PORT="abc": expected a whole number from 0 to 65535');
      expect(lines).toContain('  MIN_FREE_DISK_MB="-5": expected a whole number from 0 to 10000000');
    }
  });
});
