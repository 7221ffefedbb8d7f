import { describe, expect, it } from 'vitest';
import {
  activityKey,
  cleanText,
  composeTerminalMessage,
  composeTestMessage,
  defaultPreferences,
  deliveryOptionsFor,
  deviceWants,
  isQuietTime,
  minutesOfDay,
  pushKindFor,
  redactSecrets,
  topicFor,
  type TerminalMessageInput,
} from '../../../src/features/push/policy.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';

const SINCE = '2026-12-11T10:00:00.000Z';
const activity = (state: TerminalActivity['state'], extra: Partial<TerminalActivity> = {}): TerminalActivity => ({ state, since: SINCE, needsYou: true, ...extra });
const SESSION = '3f2a9c1e-0b7d-4e8a-9c3b-5d6e7f8a9b0c';

describe('which activity pushes, and as what', () => {
  it('maps each change that wants the owner to its kind', () => {
    expect(pushKindFor(activity('approval', { message: 'Bash: rm -rf build' }))).toBe('approval');
    expect(pushKindFor(activity('waiting', { message: 'Build: done' }))).toBe('waiting');
    expect(pushKindFor(activity('waiting', { message: null }))).toBe('bell');
    expect(pushKindFor(activity('finished', { exitCode: 0, longCommand: false }))).toBe('finished');
    expect(pushKindFor(activity('finished', { exitCode: 0, longCommand: true }))).toBe('long-command');
    expect(pushKindFor(activity('failed', { exitCode: 2, longCommand: true }))).toBe('failed');
    expect(pushKindFor(activity('failed', { exitCode: 1, longCommand: false }))).toBe('failed');
  });

  it('pushes nothing for what does not want the owner (seen, typed into, short commands, work in progress)', () => {
    for (const state of ['idle', 'working', 'waiting', 'approval', 'finished', 'failed'] as const) {
      expect(pushKindFor(activity(state, { needsYou: false, longCommand: true, message: 'x' }))).toBeNull();
    }
    expect(pushKindFor(activity('working'))).toBeNull();
    expect(pushKindFor(activity('idle'))).toBeNull();
  });

  it('tells changes apart by state and since', () => {
    expect(activityKey(activity('waiting'))).toBe(activityKey(activity('waiting', { needsYou: false, message: 'other' })));
    expect(activityKey(activity('waiting'))).not.toBe(activityKey(activity('waiting', { since: '2026-12-11T10:00:01.000Z' })));
    expect(activityKey(activity('waiting'))).not.toBe(activityKey(activity('finished')));
  });
});

describe("a device's kinds and quiet hours", () => {
  // 21:30 UTC on a winter day is 22:30 in Berlin (UTC+1) and 16:30 in New York (UTC−5).
  const winterEvening = new Date('2026-01-15T21:30:00Z');

  it('has every kind on and no quiet hours by default', () => {
    const preferences = defaultPreferences('Europe/Berlin');
    expect(Object.values(preferences.kinds).every(Boolean)).toBe(true);
    expect(preferences).toMatchObject({ quietHours: null, timeZone: 'Europe/Berlin' });
    expect(defaultPreferences().timeZone).toBe('UTC');
  });

  it('follows the toggle of each kind; a test push always goes', () => {
    const preferences = defaultPreferences();
    preferences.kinds.bell = false;
    expect(deviceWants(preferences, 'bell', winterEvening)).toBe(false);
    expect(deviceWants(preferences, 'waiting', winterEvening)).toBe(true);
    expect(deviceWants({ ...preferences, kinds: { ...preferences.kinds, approval: false } }, 'test', winterEvening)).toBe(true);
  });

  it('keeps quiet over midnight in the device’s time zone, start included and end excluded', () => {
    const night = { start: '22:00', end: '07:00' };
    expect(minutesOfDay(winterEvening, 'Europe/Berlin')).toBe(22 * 60 + 30);
    expect(isQuietTime(night, 'Europe/Berlin', winterEvening)).toBe(true);
    expect(isQuietTime(night, 'America/New_York', winterEvening)).toBe(false);
    expect(isQuietTime(night, 'UTC', winterEvening)).toBe(false);
    expect(isQuietTime(night, 'Europe/Berlin', new Date('2026-01-15T21:00:00Z'))).toBe(true); // 22:00 Berlin
    expect(isQuietTime(night, 'Europe/Berlin', new Date('2026-01-15T20:59:00Z'))).toBe(false); // 21:59
    expect(isQuietTime(night, 'Europe/Berlin', new Date('2026-01-16T05:59:00Z'))).toBe(true); // 06:59
    expect(isQuietTime(night, 'Europe/Berlin', new Date('2026-01-16T06:00:00Z'))).toBe(false); // 07:00
    // Summer time: Berlin is UTC+2, so 05:30 UTC is 07:30 there.
    expect(isQuietTime(night, 'Europe/Berlin', new Date('2026-07-15T04:30:00Z'))).toBe(true);
    expect(isQuietTime(night, 'Europe/Berlin', new Date('2026-07-15T05:30:00Z'))).toBe(false);
    // Half-hour zones: 21:30 UTC is 03:00 in Kolkata.
    expect(isQuietTime({ start: '02:30', end: '03:30' }, 'Asia/Kolkata', winterEvening)).toBe(true);
  });

  it('keeps quiet within a window inside one day, and never for an empty one', () => {
    const lunch = { start: '12:00', end: '13:00' };
    expect(isQuietTime(lunch, 'UTC', new Date('2026-01-15T12:30:00Z'))).toBe(true);
    expect(isQuietTime(lunch, 'UTC', new Date('2026-01-15T13:00:00Z'))).toBe(false);
    expect(isQuietTime(lunch, 'UTC', new Date('2026-01-15T11:59:00Z'))).toBe(false);
    expect(isQuietTime({ start: '09:00', end: '09:00' }, 'UTC', new Date('2026-01-15T09:00:00Z'))).toBe(false);
    expect(isQuietTime(null, 'UTC', new Date('2026-01-15T09:00:00Z'))).toBe(false);
  });

  it('holds back every kind during quiet hours, except a test', () => {
    const preferences = { ...defaultPreferences('Europe/Berlin'), quietHours: { start: '22:00', end: '07:00' } };
    expect(deviceWants(preferences, 'approval', winterEvening)).toBe(false);
    expect(deviceWants(preferences, 'bell', winterEvening)).toBe(false);
    expect(deviceWants(preferences, 'test', winterEvening)).toBe(true);
    expect(deviceWants(preferences, 'approval', new Date('2026-01-15T12:00:00Z'))).toBe(true);
  });
});

describe('what a notification says', () => {
  const now = new Date('2026-12-11T10:00:03.000Z');
  const input = (overrides: Partial<TerminalMessageInput>): TerminalMessageInput => ({
    kind: 'waiting',
    sessionId: SESSION,
    terminal: { title: 'bash', workspaceId: 'ws-1', workspaceName: 'acme/api' },
    activity: activity('waiting', { message: 'Build: done' }),
    approval: null,
    now,
    ...overrides,
  });

  it('names the workspace, the terminal and what it wants, and opens that terminal', () => {
    expect(composeTerminalMessage(input({}))).toEqual({
      kind: 'waiting',
      title: 'Waiting for input · acme/api › bash',
      body: 'Build: done',
      tag: `terminal-${SESSION}`,
      url: `/terminals/ws-1?session=${SESSION}`,
      sessionId: SESSION,
      sentAt: now.toISOString(),
    });
    const loose = composeTerminalMessage(input({ kind: 'bell', terminal: { title: 'zsh', workspaceId: null, workspaceName: null }, activity: activity('waiting') }));
    expect(loose).toMatchObject({ title: 'Bell · zsh', url: `/terminals?session=${SESSION}`, body: expect.stringMatching(/bell/) });
  });

  it('says what each kind wants', () => {
    expect(composeTerminalMessage(input({ kind: 'failed', activity: activity('failed', { exitCode: 2, longCommand: true }) })).body).toBe(
      'The command failed (exit code 2) after a long run.',
    );
    expect(composeTerminalMessage(input({ kind: 'long-command', activity: activity('finished', { exitCode: 0, longCommand: true }) })).body).toBe(
      'The long command finished (exit code 0).',
    );
    expect(composeTerminalMessage(input({ kind: 'finished', activity: activity('finished', { exitCode: 0 }) }))).toMatchObject({
      title: 'Agent finished · acme/api › bash',
      body: 'The agent finished and waits for you.',
    });
  });

  it('carries an approval: its id, tool and one-line summary', () => {
    const message = composeTerminalMessage(
      input({ kind: 'approval', activity: activity('approval'), approval: { id: 'ap-1', tool: 'Bash', summary: 'npm publish --access public' } }),
    );
    expect(message).toMatchObject({ kind: 'approval', title: 'Needs approval · acme/api › bash', body: 'Bash: npm publish --access public', approvalId: 'ap-1' });
    expect(composeTerminalMessage(input({ kind: 'waiting' }))).not.toHaveProperty('approvalId');
  });

  it('strips control, bidi and zero-width characters, cuts long text, and redacts likely secrets', () => {
    const message = composeTerminalMessage(
      input({
        terminal: { title: 'evil\u202e\u0007tab', workspaceId: 'ws-1', workspaceName: 'acme/api' },
        activity: activity('waiting', { message: `line one\nline\u200b two \x1b[31m${'x'.repeat(400)}` }),
      }),
    );
    expect(message.title).toBe('Waiting for input · acme/api › evil tab');
    expect(message.body.startsWith('line one line two [31mxxx')).toBe(true);
    expect([...message.body]).toHaveLength(180);
    expect(message.body.endsWith('…')).toBe(true);

    const approval = composeTerminalMessage(
      input({
        kind: 'approval',
        approval: { id: 'ap-2', tool: 'Bash', summary: 'curl -H "Authorization: Bearer abcdef123456789" https://bob:hunter2@example.com GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ' },
      }),
    );
    expect(approval.body).not.toMatch(/abcdef123456789|hunter2|ghp_0123456789/);
    expect(approval.body).toContain('Bearer [redacted]');
    expect(approval.body).toContain('https://[redacted]@example.com');
  });

  it('cleans text without splitting a character', () => {
    expect(cleanText('🚀'.repeat(10), 5)).toBe('🚀🚀🚀🚀…');
    expect(cleanText('  a\tb\r\nc  ', 10)).toBe('a b c');
    expect(redactSecrets('export OPENAI_API_KEY=sk-abcdefghijklmnopqrstu; ls')).toBe('export OPENAI_API_KEY=[redacted] ls');
    expect(redactSecrets('git push --token=abc123 origin')).toBe('git push --token=[redacted] origin');
    expect(redactSecrets('Edit src/secret-store.ts')).toBe('Edit src/secret-store.ts');
  });

  it('names the device in a test message, which goes to the settings', () => {
    expect(composeTestMessage('Phone', now)).toMatchObject({ kind: 'test', tag: 'shellport-test', url: '/settings', body: expect.stringContaining('“Phone”') });
  });
});

describe('delivery options', () => {
  const now = new Date('2026-12-11T10:00:00.000Z');
  const message = (kind: TerminalMessageInput['kind']) =>
    composeTerminalMessage({ kind, sessionId: SESSION, terminal: { title: 'bash', workspaceId: null, workspaceName: null }, activity: null, approval: null, now });

  it('collapses a terminal’s pushes under one RFC 8030 topic of at most 32 characters', () => {
    expect(topicFor(`terminal-${SESSION}`)).toBe(SESSION.replace(/-/g, ''));
    expect(topicFor(`terminal-${SESSION}`)).toHaveLength(32);
    expect(topicFor('shellport-test')).toBe('shellport-test');
    expect(topicFor('a tag with spaces')).toBeNull();
  });

  it('sends approvals with high urgency until they expire; other news normal, for an hour', () => {
    expect(deliveryOptionsFor(message('approval'), now, '2026-12-11T10:04:00.000Z')).toEqual({ ttlSeconds: 240, urgency: 'high', topic: SESSION.replace(/-/g, '') });
    expect(deliveryOptionsFor(message('approval'), now, '2026-12-11T09:00:00.000Z').ttlSeconds).toBe(30);
    expect(deliveryOptionsFor(message('approval'), now).ttlSeconds).toBe(300);
    expect(deliveryOptionsFor(message('bell'), now)).toMatchObject({ ttlSeconds: 3600, urgency: 'normal' });
    expect(deliveryOptionsFor(composeTestMessage('Phone', now), now)).toEqual({ ttlSeconds: 300, urgency: 'normal', topic: 'shellport-test' });
  });
});
