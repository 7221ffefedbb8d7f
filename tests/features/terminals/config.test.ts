import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('terminal configuration', () => {
  it('builds the shell base environment from an allow-list only', () => {
    const config = loadConfig({
      DATA_DIR: '/tmp/x',
      PATH: '/usr/bin:/bin',
      HOME: '/home/owner',
      LC_ALL: 'de_DE.UTF-8',
      HTTP_PROXY: 'http://proxy:3128',
      SHELLPORT_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
      GITHUB_CLIENT_SECRET: 'secret',
      TERMINAL_PASS_ENV: 'HTTP_PROXY, NO_PROXY',
    });
    expect(config.terminals.baseEnv).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/owner', LC_ALL: 'de_DE.UTF-8', HTTP_PROXY: 'http://proxy:3128' });
    expect(Object.isFrozen(config.terminals.baseEnv)).toBe(true);
  });

  it('keeps the buffers consistent with the watermarks and refuses bad values', () => {
    const config = loadConfig({ TERMINAL_RING_BUFFER_KB: '64', TERMINAL_FLOW_HIGH_WATERMARK_KB: '512', TERMINAL_RETAINED_OUTPUT_KB: '64' });
    expect(config.terminals.ringBufferBytes).toBe(2 * 512 * 1024 + 128 * 1024);
    expect(config.terminals.retainedOutputBytes).toBe(config.terminals.ringBufferBytes);
    expect(config.terminals.baseEnv.PATH).toMatch(/\/usr\/bin/);
    expect(() => loadConfig({ TERMINAL_PASS_ENV: 'OK,NOT-OK' })).toThrow(ConfigError);
    expect(() => loadConfig({ TERMINAL_MAX_SESSIONS: '0' })).toThrow(/TERMINAL_MAX_SESSIONS/);
    expect(() => loadConfig({ TERMINAL_IDLE_TIMEOUT_MINUTES: 'soon' })).toThrow(/TERMINAL_IDLE_TIMEOUT_MINUTES/);
  });
});
