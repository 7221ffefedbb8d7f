// A missing deployment tool is a skip on a workstation and a failure in CI.
import { describe, expect, it } from 'vitest';
import { hasTool, isCI } from './tools.js';

describe('deployment tools', () => {
  it('reads CI as set unless it is empty, false or 0', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: 'woodpecker' })).toBe(true);
    expect(isCI({})).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
  });

  it('finds an installed tool', () => {
    expect(hasTool(process.execPath, ['--version'], { CI: 'true' })).toBe(true);
  });

  it('skips a missing tool outside CI and fails in CI', () => {
    const missing = 'shellport-no-such-tool';
    expect(hasTool(missing, ['--version'], {})).toBe(false);
    expect(() => hasTool(missing, ['--version'], { CI: 'true' })).toThrow(/shellport-no-such-tool` is not installed, and CI is set/);
  });
});
