// A preview in a real browser (issue 23): the owner opens /preview/<port>/ of a dev server, the page
// runs sandboxed with its hot-reload WebSocket and its own requests working, and cannot use the
// owner's session on Shellport's API.
import { describe, expect, it } from 'vitest';
import { startDevServer } from '../features/preview/helpers.js';
import { useE2E } from './fixture.js';

const fixture = useE2E();

describe('previews', () => {
  it("shows a dev server's page, relays its WebSocket and its POSTs, and keeps it away from Shellport's API", async () => {
    const e2e = fixture();
    const dev = await startDevServer();
    try {
      const page = await e2e.newPage();
      await e2e.signIn(page);
      await page.goto(`${e2e.baseUrl}/preview/${dev.port}/`);
      expect(page.url()).toMatch(new RegExp(`/preview/${dev.port}/~[A-Za-z0-9_-]{42}/$`));
      await expect.poll(() => page.textContent('h1')).toBe('Hello from the dev server');
      await expect.poll(() => page.textContent('#ws'), { timeout: 10_000 }).toBe('echo: hello over the preview');
      await expect.poll(() => page.textContent('#own-post')).toBe('posted by the page');
      await expect.poll(() => page.textContent('#module')).toBe('module ran');
      // An opaque origin: no storage, and Shellport's API neither answers it nor acts for it.
      expect(await page.textContent('#origin')).toBe('null');
      expect(await page.textContent('#storage')).toBe('none');
      await expect.poll(() => page.textContent('#api-get')).toMatch(/^(blocked|401)$/);
      await expect.poll(() => page.textContent('#api-post')).toMatch(/^(blocked|401|403)$/);
      const terminals = await page.context().request.get(`${e2e.baseUrl}/api/terminals`);
      expect(terminals.status()).toBe(200);
      expect(await terminals.json()).toEqual({ sessions: [] });
      // The dev server never saw the owner's session cookie.
      const received = await dev.received();
      expect(received.length).toBeGreaterThan(3);
      for (const request of received) expect(request.headers.cookie ?? '').not.toContain('shellport');
      await e2e.screenshot(page, 'preview');
    } finally {
      dev.stop();
    }
  });
});
