// The subdomain mode in a real Chromium (PREVIEW_DOMAIN=preview.localhost: Chromium resolves every
// *.localhost name to loopback): opening /preview/<port>/ lands on <port>.preview.localhost with the
// app at `/`, its storage, its hot-reload WebSocket and root paths its own, and Shellport's API out
// of its reach; the preview cookie is host-only and HttpOnly, and the dev server never sees it.
import { describe, expect, it } from 'vitest';
import { startDevServer } from '../features/preview/helpers.js';
import { freePort } from '../helpers/ports.js';
import { useE2E } from './fixture.js';
import { PreviewSide } from './pages/preview-side.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E({ env: { PREVIEW_DOMAIN: 'preview.localhost' } });

describe('previews on their own host names', () => {
  it('serves the app at the root of its own host, with storage and hot reload, and nothing of Shellport there', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const dev = await startDevServer();
    try {
      const page = await e2e.newPage();
      await e2e.signIn(page);
      await page.goto(`${e2e.baseUrl}/preview/${dev.port}/`);
      const appPort = new URL(e2e.baseUrl).port;
      expect(page.url()).toBe(`http://${dev.port}.preview.localhost:${appPort}/`);
      await expect.poll(() => page.textContent('h1')).toBe('Hello from the dev server');
      await expect.poll(() => page.textContent('#ws'), { timeout: 10_000 }).toBe('echo: hello over the preview');
      await expect.poll(() => page.textContent('#module')).toBe('module ran');
      // An origin of its own: storage works, and `/api/…` is the app's path, not Shellport's API.
      expect(await page.textContent('#origin')).toBe(`http://${dev.port}.preview.localhost:${appPort}`);
      expect(await page.textContent('#storage')).toBe('available');
      await expect.poll(() => page.textContent('#api-get')).toBe('200');
      expect((await dev.received()).some((request) => request.url === '/api/me')).toBe(true);

      const cookies = await page.context().cookies(page.url());
      expect(cookies.map((cookie) => cookie.name)).toEqual(['shellport_preview']);
      expect(cookies[0]).toMatchObject({ domain: `${dev.port}.preview.localhost`, path: '/', httpOnly: true, sameSite: 'Lax' });
      for (const request of await dev.received()) expect(request.headers.cookie ?? '').not.toContain('shellport');
      expect(e2e.consoleProblems(page)).toEqual([]);
      await e2e.screenshot(page, 'preview-subdomain');
    } finally {
      dev.stop();
    }
  });

  it("says in the pane to use a tab when the preview hosts are another site than Shellport's", { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const terminals = new TerminalsPage(page);
    await terminals.open('/terminals');
    const port = await freePort();
    await terminals.run(`node -e "require('http').createServer((q, s) => s.end('app')).listen(${port}, '127.0.0.1', () => console.log('LISTENING' + '_NOW'))"`);
    await terminals.waitForLine(/^LISTENING_NOW$/);
    const side = new PreviewSide(page);
    await side.openPorts();
    await side.port(port).waitFor({ timeout: 15_000 });
    await side.open(port);
    // 127.0.0.1 and *.preview.localhost are different sites: the preview cookie cannot live in the frame.
    await expect.poll(() => side.frame().locator('body').textContent()).toContain("Browsers keep this preview's sign-in out of frames on another site: open it in a new tab");
    const [tab] = await Promise.all([page.context().waitForEvent('page'), page.locator('.preview-new-tab').click()]);
    await tab.waitForURL(`http://${port}.preview.localhost:${new URL(e2e.baseUrl).port}/`).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nthe tab is at ${tab.url()}: ${(await tab.textContent('body').catch(() => ''))?.slice(0, 500)}`);
    });
    await expect.poll(() => tab.textContent('body')).toBe('app');
  });
});
