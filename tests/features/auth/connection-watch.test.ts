import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { endConnectionsOnSignOut } from '../../../src/features/auth/connection-watch.js';
import { buildTestApp, signInAsOwner } from '../../helpers/app.js';

const ORIGIN = 'http://localhost:3000';

describe('the re-check of open terminal connections', () => {
  it('does not extend the sign-in: a tab left open still idles out, and its connection ends', async () => {
    const { app, clock } = await buildTestApp({ SESSION_IDLE_TIMEOUT_MINUTES: '10', PUBLIC_URL: ORIGIN });
    const cookie = await signInAsOwner(app);
    const request = { headers: { cookie, origin: ORIGIN, host: 'localhost:3000' } } as unknown as IncomingMessage;
    const session = (await app.auth.authenticateUpgrade(request)) as { ok: true; session: { id: string } };
    expect(session.ok).toBe(true);
    let ended = 0;
    const stop = endConnectionsOnSignOut({
      auth: app.auth,
      log: app.log,
      revalidateIntervalMs: 10,
      connections: () => [{ request, authSessionId: session.session.id, end: () => ended++ }],
    });
    try {
      // Nine and a half minutes of the server's own checks, every thirty seconds of the app clock.
      for (let minute = 0; minute < 9.5; minute += 0.5) {
        clock.advance(30_000);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(ended).toBe(0);
      clock.advance(60_000);
      await expect.poll(() => ended, { timeout: 2_000 }).toBeGreaterThan(0);
      expect((await app.auth.authenticateUpgrade(request)).ok).toBe(false);
    } finally {
      stop();
    }
  });

  it('a handshake or a request by the person still counts as activity', async () => {
    const { app, clock } = await buildTestApp({ SESSION_IDLE_TIMEOUT_MINUTES: '10', PUBLIC_URL: ORIGIN });
    const cookie = await signInAsOwner(app);
    const request = { headers: { cookie, origin: ORIGIN, host: 'localhost:3000' } } as unknown as IncomingMessage;
    for (let i = 0; i < 3; i++) {
      clock.advance(6 * 60_000);
      expect((await app.auth.authenticateUpgrade(request)).ok).toBe(true);
    }
  });
});
