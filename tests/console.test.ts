import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { formatLogLine, isRequestLoggingQuiet, renderStartupBanner, resolveConsoleFormat, type StartupBannerInfo } from '../src/console.js';
import { testConfig } from './helpers/app.js';

const TOKEN = 'tok3n-Value_123';
const banner = (overrides: Partial<StartupBannerInfo> = {}) =>
  renderStartupBanner({
    url: 'http://127.0.0.1:3000',
    signInUrl: `http://127.0.0.1:3000/auth/token?token=${TOKEN}`,
    setupUrl: null,
    isGitHubConfigured: false,
    dataDir: '/home/me/shellport/data',
    linkCommand: 'npm run sign-in-link',
    isRequestLoggingQuiet: true,
    ...overrides,
  });

describe('the console format', () => {
  it('is readable only for a person at a terminal, and JSON for anything else or when LOG_FORMAT=json', () => {
    expect(resolveConsoleFormat('auto', true)).toBe('readable');
    expect(resolveConsoleFormat('auto', false)).toBe('json');
    expect(resolveConsoleFormat('json', true)).toBe('json');
    expect(resolveConsoleFormat('json', false)).toBe('json');
  });

  it('holds back request lines on a terminal until LOG_LEVEL=debug, and never in JSON', () => {
    expect(isRequestLoggingQuiet('readable', 'info')).toBe(true);
    expect(isRequestLoggingQuiet('readable', 'warn')).toBe(true);
    expect(isRequestLoggingQuiet('readable', 'debug')).toBe(false);
    expect(isRequestLoggingQuiet('readable', 'trace')).toBe(false);
    expect(isRequestLoggingQuiet('json', 'info')).toBe(false);
  });
});

describe('the start-up banner', () => {
  it('says where Shellport listens, the sign-in link, where data lives and how to print the link again', () => {
    const text = banner();
    const lines = text.split('\n');
    expect(lines).toContain('Shellport is running: open http://127.0.0.1:3000');
    expect(text).toContain(`Sign in   http://127.0.0.1:3000/auth/token?token=${TOKEN}`);
    expect(text).toContain('Data      /home/me/shellport/data');
    expect(text).toContain('npm run sign-in-link prints the link again');
    expect(text).toContain('no line per request here; LOG_LEVEL=debug shows them');
    expect(text).not.toContain('{');
    // Short enough to stay on one screen.
    expect(lines.length).toBeLessThanOrEqual(14);
  });

  it('offers the claim link while nobody owns the server, and says what to do when no link exists', () => {
    const claim = banner({ signInUrl: null, setupUrl: `http://127.0.0.1:3000/auth/setup?token=${TOKEN}`, isGitHubConfigured: true });
    expect(claim).toContain(`Claim     http://127.0.0.1:3000/auth/setup?token=${TOKEN}`);
    expect(claim).toContain('becomes the owner');

    const github = banner({ signInUrl: null, isGitHubConfigured: true });
    expect(github).toContain('Sign in   with GitHub at http://127.0.0.1:3000/sign-in');
    expect(github).not.toContain('prints the link again');

    const nothing = banner({ signInUrl: null, isGitHubConfigured: false });
    expect(nothing).toContain('set GITHUB_CLIENT_ID or TOKEN_SIGN_IN=true');
  });
});

describe('readable log lines', () => {
  it('show time, level, message and fields, and an error with its stack indented', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(formatLogLine(JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', reqId: 'r-1', file: '/a b', count: 2, msg: 'database opened' }))).toBe(
      '03:04:05 INFO  database opened reqId=r-1 file="/a b" count=2',
    );
    const withError = formatLogLine(
      JSON.stringify({ level: 50, time, msg: 'request failed', err: { type: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at f (a.ts:1:1)' } }),
    );
    expect(withError).toBe('03:04:05 ERROR request failed (TypeError: boom)\n    at f (a.ts:1:1)');
    expect(formatLogLine('not json')).toBe('not json');
  });

  /** The console text of an app writing to a terminal at this level, after one request and one warning. */
  async function consoleText(level: 'info' | 'debug'): Promise<string> {
    const chunks: string[] = [];
    const out = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const app = await buildApp({ config: testConfig({ LOG_LEVEL: level }), logStream: out, consoleFormat: 'readable' });
    try {
      await app.ready();
      expect((await app.inject({ method: 'GET', url: '/auth/options' })).statusCode).toBe(200);
      app.log.warn({ workspace: 'demo' }, 'something to see');
    } finally {
      await app.close();
    }
    return chunks.join('');
  }

  it('replace JSON lines when the app writes to a terminal, and request lines wait for LOG_LEVEL=debug', async () => {
    const text = await consoleText('info');
    expect(text).toMatch(/^\d\d:\d\d:\d\d WARN  something to see workspace=demo$/m);
    expect(text).not.toMatch(/^\{/m);
    expect(text).not.toContain('incoming request');
    expect(text).not.toContain('request completed');

    const verbose = await consoleText('debug');
    expect(verbose).toMatch(/^\d\d:\d\d:\d\d DEBUG incoming request .*"url":"\/auth\/options"/m);
    expect(verbose).toMatch(/^\d\d:\d\d:\d\d DEBUG request completed /m);
  });
});
