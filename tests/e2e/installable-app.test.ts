// The installable app (issue 20): the manifest and its icons, the service worker served at /sw.js and in
// control of the pages, and the offline page when the server cannot be reached — with nothing cached.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { ServiceWorkerDriver } from './pages/service-worker.js';

// Browser globals inside evaluate() callbacks (the Node type-check has no DOM library).
declare const caches: any;
declare const document: any;

const fixture = useE2E();

/** The width, height and colour type of a PNG, and the colour of its centre pixel (8-bit RGBA, unfiltered rows as the build writes them). */
function readPng(bytes: Buffer) {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString('ascii', offset + 4, offset + 8) === 'IDAT') chunks.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const pixel = (x: number, y: number) => [...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 1 + x * 4 + 4)];
  return { width, height, colourType: bytes[25], pixel };
}

describe('the installable app', () => {
  it('serves its manifest, icons and service worker without sign-in, with the right types and caching', async () => {
    const { baseUrl } = fixture();
    const manifestResponse = await fetch(`${baseUrl}/manifest.webmanifest`);
    expect(manifestResponse.status).toBe(200);
    expect(manifestResponse.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    const manifest = (await manifestResponse.json()) as { start_url: string; display: string; theme_color: string; background_color: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
    expect(manifest).toMatchObject({ name: 'Shellport', short_name: 'Shellport', start_url: '/dashboard', scope: '/', display: 'standalone', theme_color: '#0d1117', background_color: '#0d1117' });
    expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose} ${icon.type}`).sort()).toEqual(
      ['192x192 any image/png', '192x192 maskable image/png', '512x512 any image/png', '512x512 maskable image/png', 'any any image/svg+xml'].sort(),
    );
    for (const icon of manifest.icons) {
      const response = await fetch(`${baseUrl}${icon.src}`);
      expect(response.status, icon.src).toBe(200);
      expect(response.headers.get('content-type'), icon.src).toMatch(icon.type === 'image/png' ? /^image\/png/ : /^image\/svg\+xml/);
      if (icon.type !== 'image/png') continue;
      const png = readPng(Buffer.from(await response.arrayBuffer()));
      expect(`${png.width}x${png.height}`, icon.src).toBe(icon.sizes);
      expect(png.colourType, icon.src).toBe(6);
      // The corner: transparent for the rounded icon, the theme's background for a maskable one (it must fill the square).
      expect(png.pixel(0, 0), icon.src).toEqual(icon.purpose === 'maskable' ? [13, 17, 23, 255] : [0, 0, 0, 0]);
    }
    const apple = await fetch(`${baseUrl}/apple-touch-icon.png`);
    expect(readPng(Buffer.from(await apple.arrayBuffer()))).toMatchObject({ width: 180, height: 180 });

    const worker = await fetch(`${baseUrl}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect(await worker.text()).toContain('notificationclick');
    expect((await fetch(`${baseUrl}/icons/secret.key`)).status).toBe(400);
  });

  it('names the manifest and the icons in the page, registers the worker, which controls the page and caches nothing', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await page.goto('/sign-in');
    await expect(page.locator('link[rel="manifest"]').getAttribute('href')).resolves.toBe('/manifest.webmanifest');
    await expect(page.locator('link[rel="apple-touch-icon"]').getAttribute('href')).resolves.toBe('/icons/apple-touch-icon.png');
    const sw = new ServiceWorkerDriver(page);
    expect(await sw.waitUntilControlling()).toBe(`${e2e.baseUrl}/sw.js`);
    await e2e.signIn(page);
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    // No cache at all: no app shell, no API answers, so nothing stale is ever shown.
    await expect(page.evaluate(async () => (await caches.keys()).length)).resolves.toBe(0);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('shows the offline page when Shellport cannot be reached, and the app again once it can', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    await page.goto('/workspaces');
    await new ServiceWorkerDriver(page).waitUntilControlling();
    await page.context().setOffline(true);
    await page.goto('/terminals').catch(() => undefined);
    await page.getByRole('heading', { name: 'Shellport cannot be reached', level: 1 }).waitFor();
    const retry = page.getByRole('link', { name: 'Retry' });
    await e2e.screenshot(page, 'offline');
    await page.context().setOffline(false);
    await retry.click();
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).or(page.locator('.term-screen')).first().waitFor();
    expect(page.url()).toBe(`${e2e.baseUrl}/terminals`);
    await expect(page.evaluate(() => document.title)).resolves.not.toMatch(/cannot be reached/);
  });
});
