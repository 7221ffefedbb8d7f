// What the service worker shows for a push, and after a notification's button answered an approval.
import { describe, expect, it } from 'vitest';
import type { PushMessage } from '../../../src/shared/attention.js';
import { answerBody, answerOutcome, appPath, notificationFor, parsePushMessage, readNotificationData } from '../../../src/web/sw/notifications.js';

const approvalMessage: PushMessage = {
  kind: 'approval',
  title: 'Claude Code asks: Bash',
  body: 'npm test · my-repo',
  tag: 'terminal-s1',
  url: '/terminals/w1?session=s1',
  sessionId: 's1',
  approvalId: 'a1',
  deviceId: 'd1',
  sentAt: '2026-12-11T10:00:00.000Z',
};

describe('the notification of a push', () => {
  it('carries the message, replaces the terminal’s last one quietly, and has Allow and Deny for an approval', () => {
    const { title, options } = notificationFor(approvalMessage, { supportsActions: true });
    expect(title).toBe('Claude Code asks: Bash');
    expect(options).toMatchObject({
      body: 'npm test · my-repo',
      tag: 'terminal-s1',
      renotify: false,
      requireInteraction: true,
      timestamp: Date.parse('2026-12-11T10:00:00.000Z'),
      actions: [
        { action: 'allow', title: 'Allow' },
        { action: 'deny', title: 'Deny' },
      ],
      data: { kind: 'approval', url: '/terminals/w1?session=s1', sessionId: 's1', approvalId: 'a1', deviceId: 'd1', body: 'npm test · my-repo' },
    });
  });

  it('has no buttons where the browser shows none, nor for other kinds', () => {
    expect(notificationFor(approvalMessage, { supportsActions: false }).options.actions).toBeUndefined();
    const bell = notificationFor({ ...approvalMessage, kind: 'bell', approvalId: undefined }, { supportsActions: true });
    expect(bell.options.actions).toBeUndefined();
    expect(bell.options.requireInteraction).toBe(false);
  });

  it('shows something for a push that is not ours, and never opens a path of another origin', () => {
    expect(parsePushMessage('not json')).toMatchObject({ kind: 'test', title: 'Shellport', body: '', tag: 'shellport', url: '/dashboard' });
    for (const url of ['https://evil.example/x', '//evil.example/x', 'javascript:alert(1)', '/\\evil.example', 42]) {
      expect(appPath(url)).toBe('/dashboard');
    }
    expect(appPath('/terminals?session=s2')).toBe('/terminals?session=s2');
    expect(readNotificationData(null)).toEqual({ kind: 'test', url: '/dashboard', sessionId: null, approvalId: null, deviceId: null, body: '' });
  });
});

describe('answering from a notification', () => {
  const data = notificationFor(approvalMessage, { supportsActions: true }).options.data;

  it('answers as the device the message went to', () => {
    expect(answerBody('allow', data)).toEqual({ decision: 'allow', subscriptionId: 'd1' });
    expect(answerBody('deny', { ...data, deviceId: null })).toEqual({ decision: 'deny' });
  });

  it('says what it did, in place of the request (same tag)', () => {
    const allowed = answerOutcome('allow', data, 'terminal-s1', 200, { approval: {} });
    expect(allowed.title).toBe('Allowed');
    expect(allowed.options).toMatchObject({ body: 'npm test · my-repo', tag: 'terminal-s1', renotify: false, data: { kind: 'answer', url: '/terminals/w1?session=s1' } });
    expect(answerOutcome('deny', data, 't', 200, null).title).toBe('Denied');
  });

  it('says it was already answered, in the server’s words, when another device was first', () => {
    const stale = answerOutcome('allow', data, 'terminal-s1', 409, { error: { code: 'approval_closed', message: 'Already denied on laptop.' } });
    expect(stale.title).toBe('Already answered');
    expect(stale.options.body).toBe('Already denied on laptop.');
    expect(answerOutcome('allow', data, 't', 409, null).options.body).toMatch(/answered on another device/);
  });

  it('says why nothing was answered when signed out or offline', () => {
    expect(answerOutcome('allow', data, 't', 401, null).title).toBe('Not answered: sign in first');
    expect(answerOutcome('allow', data, 't', 0, null).options.body).toMatch(/could not be reached/);
    expect(answerOutcome('allow', data, 't', 500, { error: { message: 'Boom (request id r1)' } }).options.body).toBe('Boom (request id r1)');
  });
});
