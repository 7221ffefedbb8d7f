import { describe, expect, it } from 'vitest';
import { badgedFaviconUrl, countNeedingYou, describeActivity, titleWithCount } from '../../../src/web/terminals/activity.js';

const since = '2026-01-01T00:00:00.000Z';

describe('terminal activity in words', () => {
  it('describes each state in a sentence, with the exit code or the notification', () => {
    expect(describeActivity(null)).toBe('');
    expect(describeActivity({ state: 'idle', since, needsYou: false })).toBe('');
    expect(describeActivity({ state: 'working', since, needsYou: false })).toBe('Working');
    expect(describeActivity({ state: 'failed', since, needsYou: false, exitCode: 2, longCommand: false })).toBe('Failed with exit code 2');
    expect(describeActivity({ state: 'finished', since, needsYou: true, exitCode: 0, longCommand: true })).toBe('Finished with exit code 0 (long command)');
    expect(describeActivity({ state: 'waiting', since, needsYou: true, message: 'Build: done' })).toBe('Waiting for input: Build: done');
    expect(describeActivity({ state: 'approval', since, needsYou: true, message: null })).toBe('Needs approval');
  });

  it('counts the terminals needing the owner into the title, and badges the favicon', () => {
    expect(countNeedingYou([null, { state: 'waiting', since, needsYou: true }, { state: 'waiting', since, needsYou: false }])).toBe(1);
    expect(titleWithCount('bash · Shellport', 0)).toBe('bash · Shellport');
    expect(titleWithCount('bash · Shellport', 2)).toBe('(2) bash · Shellport');
    expect(decodeURIComponent(badgedFaviconUrl(3))).toContain('>3</text>');
    expect(decodeURIComponent(badgedFaviconUrl(12))).toContain('>9+</text>');
  });
});
