import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../../../src/features/web/routes.js';
import { buildTestApp } from '../../helpers/app.js';

describe('serving the web app', () => {
  it('serves index.html without sign-in, revalidated on every load, pointing at hashed assets', async () => {
    const { app } = await buildTestApp();
    for (const url of ['/', '/settings', '/terminals/some-session-id']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toMatch(/<script type="module" src="\/assets\/main-[A-Z0-9]+\.js"><\/script>/);
    }
  });

  it('serves the bundled assets with long-lived immutable caching', async () => {
    const { app } = await buildTestApp();
    const html = readFileSync(path.join(PUBLIC_DIR, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/\/assets\/(main-[A-Z0-9]+\.(?:js|css))/g)].map((match) => match[1]!);
    expect(assets).toHaveLength(2);
    for (const file of assets) {
      const response = await app.inject({ method: 'GET', url: `/assets/${file}` });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.body).toBe(readFileSync(path.join(PUBLIC_DIR, 'assets', file), 'utf8'));
    }
  });

  it('bundles xterm.js rather than loading anything from another origin', () => {
    const script = readdirSync(path.join(PUBLIC_DIR, 'assets')).find((name) => /^main-.*\.js$/.test(name))!;
    const code = readFileSync(path.join(PUBLIC_DIR, 'assets', script), 'utf8');
    expect(code).not.toMatch(/https:\/\/(cdn|unpkg|fonts)\./);
  });

  it('answers a missing asset or a path-like name in the standard error shape', async () => {
    const { app } = await buildTestApp();
    const missing = await app.inject({ method: 'GET', url: '/assets/main-NOPE.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    for (const url of ['/assets/..%2Fpackage.json', '/assets/.hidden']) {
      const traversal = await app.inject({ method: 'GET', url });
      expect(traversal.statusCode, url).toBe(400);
      expect(traversal.json().error.code).toBe('validation_failed');
    }
  });

  it('cannot be framed by another page, in browsers old and new', async () => {
    const { app } = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/workspaces' });
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(String(response.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });

  it('answers an unknown page with the app (404), which shows its own not-found screen, but API clients with JSON', async () => {
    const { app } = await buildTestApp();
    const page = await app.inject({ method: 'GET', url: '/this/does/not/exist?x=1', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<script type="module" src="\/assets\/main-/);

    for (const url of ['/this/does/not/exist', '/api/nope']) {
      const headers = url.startsWith('/api/') ? { accept: 'text/html' } : { accept: 'application/json' };
      const response = await app.inject({ method: 'GET', url, headers });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error).toEqual({ code: 'not_found', message: `No route for GET ${url}.` });
    }
    const post = await app.inject({ method: 'POST', url: '/this/does/not/exist', headers: { accept: 'text/html' } });
    expect(post.statusCode).toBe(401);
  });
});
