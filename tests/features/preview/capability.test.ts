// Preview links' capabilities: bound to a port and a sign-in session, expiring, unforgeable.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPreviewCapabilities, sessionTag } from '../../../src/features/preview/capability.js';
import { createTestClock } from '../../helpers/app.js';

const make = (clock = createTestClock(), key = randomBytes(32)) => ({ clock, capabilities: createPreviewCapabilities({ clock, ttlMs: 60_000, key }) });

describe('preview capabilities', () => {
  it('verify for their port and name the session they were issued to', () => {
    const { capabilities } = make();
    const token = capabilities.issue(5173, 'session-1');
    expect(token).toMatch(/^[A-Za-z0-9_-]{42}$/);
    expect(capabilities.verify(token, 5173)).toMatchObject({ ok: true, sessionTag: sessionTag('session-1') });
  });

  it('are refused for another port, after they expire, and under another key', () => {
    const { clock, capabilities } = make();
    const token = capabilities.issue(5173, 'session-1');
    expect(capabilities.verify(token, 5174)).toEqual({ ok: false, reason: 'other_port' });
    expect(make().capabilities.verify(token, 5173)).toEqual({ ok: false, reason: 'forged' });
    clock.advance(60_000);
    expect(capabilities.verify(token, 5173)).toEqual({ ok: false, reason: 'expired' });
  });

  it('are refused when any byte is changed, or when malformed', () => {
    const { capabilities } = make();
    const token = capabilities.issue(5173, 'session-1');
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i] = changed[i]! ^ 0x01;
      expect(capabilities.verify(changed.toString('base64url'), 5173).ok, `byte ${i}`).toBe(false);
    }
    for (const bad of ['', 'x', token.slice(1), `${token}A`, token.replace(/.$/, '!'), '../../etc']) {
      expect(capabilities.verify(bad, 5173)).toEqual({ ok: false, reason: 'forged' });
    }
  });
});
