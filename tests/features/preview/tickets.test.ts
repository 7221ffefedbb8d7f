import { describe, expect, it } from 'vitest';
import { createPreviewCapabilities } from '../../../src/features/preview/capability.js';
import { createPreviewTickets } from '../../../src/features/preview/proxy-routes.js';

const SESSION = '7d9f2c1e-2b9a-4c3e-9f1a-0c2d3e4f5a6b';

function tickets(at = new Date('2026-12-07T12:00:00Z')) {
  const clock = { now: () => at };
  return createPreviewTickets(createPreviewCapabilities({ clock, ttlMs: 60_000 }), clock);
}

describe('preview tickets', () => {
  it('are each their own, even asked for in the same second, and each works once', () => {
    const issuer = tickets();
    const first = issuer.issue(5173, SESSION);
    const second = issuer.issue(5173, SESSION);
    expect(second).not.toBe(first);
    expect(issuer.redeem(first, 5173)).toMatchObject({ ok: true });
    expect(issuer.redeem(first, 5173)).toMatchObject({ ok: false });
    expect(issuer.redeem(second, 5173)).toMatchObject({ ok: true });
  });

  it('refuse another port, an altered nonce or MAC, and a bare capability', () => {
    const issuer = tickets();
    const ticket = issuer.issue(5173, SESSION);
    expect(issuer.redeem(ticket, 3000)).toMatchObject({ ok: false });
    const [capability, nonce, mac] = ticket.split('.') as [string, string, string];
    const otherNonce = `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`;
    expect(issuer.redeem(`${capability}.${otherNonce}.${mac}`, 5173)).toMatchObject({ ok: false, reason: 'forged' });
    expect(issuer.redeem(`${capability}.${nonce}.${'A'.repeat(mac.length)}`, 5173)).toMatchObject({ ok: false, reason: 'forged' });
    expect(issuer.redeem(capability, 5173)).toMatchObject({ ok: false, reason: 'forged' });
    expect(issuer.redeem(`${ticket}.more`, 5173)).toMatchObject({ ok: false, reason: 'forged' });
    expect(issuer.redeem(ticket, 5173)).toMatchObject({ ok: true });
  });
});
