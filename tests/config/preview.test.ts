// PREVIEW_* variables: the port allow-list's syntax and the defaults.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { parsePortRanges } from '../../src/config/preview.js';

const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/shellport-config-test', ...env });

describe('preview configuration', () => {
  it('previews any port by default, with links for 8 hours and bounded waits', () => {
    expect(load({}).preview).toEqual({ enabled: true, allowedPorts: null, linkTtlMs: 480 * 60_000, connectTimeoutMs: 5000, upstreamTimeoutMs: 120_000, domain: null });
  });

  it('reads PREVIEW_PORTS as ports and inclusive ranges', () => {
    expect(load({ PREVIEW_PORTS: '3000-3999, 5173,8080' }).preview.allowedPorts).toEqual([
      { from: 3000, to: 3999 },
      { from: 5173, to: 5173 },
      { from: 8080, to: 8080 },
    ]);
    expect(load({ PREVIEW_ENABLED: 'false' }).preview.enabled).toBe(false);
  });

  it('reads PREVIEW_DOMAIN as a DNS name, lower case, and refuses anything else', () => {
    expect(load({ PREVIEW_DOMAIN: 'Preview.Example.COM.' }).preview.domain).toBe('preview.example.com');
    expect(load({ PREVIEW_DOMAIN: '' }).preview.domain).toBeNull();
    for (const value of ['https://preview.example.com', 'preview.example.com:8443', 'preview.example.com/x', '*.preview.example.com', 'localhost', 'a..b']) {
      expect(() => load({ PREVIEW_DOMAIN: value }), value).toThrow(ConfigError);
    }
  });

  it('refuses a PREVIEW_PORTS that is not a list of ports, naming the variable', () => {
    for (const value of ['0', '65536', '4000-3000', 'abc', '3000,', '3000-', '80;443', '1-2-3']) {
      expect(parsePortRanges(value), value).toBeNull();
      expect(() => load({ PREVIEW_PORTS: value }), value).toThrow(ConfigError);
    }
    try {
      load({ PREVIEW_PORTS: '99999' });
    } catch (error) {
      expect((error as ConfigError).problems.map((problem) => problem.variable)).toEqual(['PREVIEW_PORTS']);
    }
  });
});
