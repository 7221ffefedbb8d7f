// What a previewed dev server receives and what the browser receives from it (headers.ts).
import { describe, expect, it } from 'vitest';
import { previewResponseHeaders, rewriteLocation, rewriteSetCookie, upstreamRequestHeaders, withoutShellportCookies } from '../../../src/features/preview/headers.js';

const target = { port: 5173, upstreamOrigin: 'http://127.0.0.1:5173', linkBase: '/preview/5173/~CAP/' };

describe('request headers for the dev server', () => {
  it("drops Shellport's cookies, Authorization and a proxy's headers; keeps the app's own cookies", () => {
    const headers = upstreamRequestHeaders(
      {
        host: 'shellport.example',
        cookie: '__Host-shellport_session=secret; theme=dark; shellport_setup=grant; shellport_session=s2; app=1',
        authorization: 'Basic b3duZXI6cHc=',
        'proxy-authorization': 'Basic eA==',
        'x-forwarded-for': '203.0.113.9',
        forwarded: 'for=203.0.113.9',
        accept: 'text/html',
        connection: 'keep-alive, x-hop',
        'x-hop': 'listed in Connection',
      },
      target,
    );
    expect(headers).toEqual({ cookie: 'theme=dark; app=1', accept: 'text/html' });
  });

  it('speaks for the previewed page: its Origin, its own Referer, same-origin fetch metadata', () => {
    const headers = upstreamRequestHeaders(
      { origin: 'null', referer: 'https://shellport.example/preview/5173/~CAP/src/app.ts?x=1', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      target,
    );
    expect(headers).toEqual({ origin: 'http://127.0.0.1:5173', referer: 'http://127.0.0.1:5173/src/app.ts?x=1', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' });
    expect(upstreamRequestHeaders({ referer: 'https://shellport.example/workspaces' }, target)).toEqual({});
  });

  it('leaves no cookie header when only Shellport cookies came', () => {
    expect(withoutShellportCookies('shellport_session=a; __Host-shellport_session=b')).toBeUndefined();
  });
});

describe('Set-Cookie from the dev server', () => {
  it('is scoped to the preview: its path under /preview/<port>/, no Domain', () => {
    expect(rewriteSetCookie('sid=abc; Path=/; Domain=localhost; HttpOnly; SameSite=Lax', 5173)).toBe('sid=abc; HttpOnly; SameSite=Lax; Path=/preview/5173/');
    expect(rewriteSetCookie('a=b', 3000)).toBe('a=b; Path=/preview/3000/');
  });

  it("drops cookies that would shadow Shellport's, and __Host- cookies", () => {
    for (const cookie of ['shellport_session=x; Path=/', '__Host-shellport_session=x; Path=/; Secure', 'SHELLPORT_setup=1', '__Host-app=1; Path=/; Secure']) {
      expect(rewriteSetCookie(cookie, 5173), cookie).toBeNull();
    }
  });
});

describe('Location from the dev server', () => {
  it('maps the dev server itself and root paths under the preview link', () => {
    expect(rewriteLocation('http://localhost:5173/login?next=%2F#top', target)).toBe('/preview/5173/~CAP/login?next=%2F#top');
    expect(rewriteLocation('http://127.0.0.1:5173/', target)).toBe('/preview/5173/~CAP/');
    expect(rewriteLocation('http://[::1]:5173/a', target)).toBe('/preview/5173/~CAP/a');
    expect(rewriteLocation('//localhost:5173/b', target)).toBe('/preview/5173/~CAP/b');
    expect(rewriteLocation('/dashboard', target)).toBe('/preview/5173/~CAP/dashboard');
  });

  it('leaves relative paths, other ports and other sites as they are', () => {
    for (const location of ['next', '../up', 'http://localhost:3000/x', 'https://example.com/x', '//example.com/x', 'mailto:a@b']) {
      expect(rewriteLocation(location, target), location).toBe(location);
    }
  });
});

describe('response headers for the browser', () => {
  it('sandboxes the page, keeps its own policy beside, and drops headers that act on Shellport', () => {
    const headers = previewResponseHeaders(
      {
        'content-type': 'text/html',
        'content-security-policy': "default-src 'self'",
        'clear-site-data': '"cookies"',
        'strict-transport-security': 'max-age=1',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'set-cookie': ['a=1; Path=/', 'shellport_session=x'],
      },
      target,
      'null',
    );
    expect(headers).toEqual({
      'content-type': 'text/html',
      'content-security-policy': [
        "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox; frame-ancestors 'self'",
        "default-src 'self'",
      ],
      'set-cookie': ['a=1; Path=/preview/5173/'],
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': 'null',
      vary: 'Origin',
    });
    expect(String(headers['content-security-policy'])).not.toContain('allow-same-origin');
  });
});

describe("an app's X-Frame-Options", () => {
  it("DENY becomes the preview policy's frame-ancestors 'none' (which browsers obey over X-Frame-Options); otherwise Shellport may frame it", () => {
    const denied = previewResponseHeaders({ 'x-frame-options': 'DENY' }, target, undefined);
    expect(denied['content-security-policy']).toMatch(/^sandbox [^;]+; frame-ancestors 'none'$/);
    expect(denied['x-frame-options']).toBe('DENY');
    expect(previewResponseHeaders({ 'x-frame-options': 'SAMEORIGIN' }, target, undefined)['content-security-policy']).toMatch(/frame-ancestors 'self'$/);
    expect(previewResponseHeaders({}, target, undefined)['content-security-policy']).toMatch(/frame-ancestors 'self'$/);
  });
});
