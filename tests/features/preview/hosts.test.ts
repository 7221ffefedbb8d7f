// The subdomain mode's host names (hosts.ts) and what a preview host's responses say (headers.ts).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostFramingPolicy, previewHostResponseHeaders, rewriteHostSetCookie } from '../../../src/features/preview/headers.js';
import { previewHostOrigin, previewHostPort, previewHostRewrite, previewHostsSource } from '../../../src/features/preview/hosts.js';

const DOMAIN = 'preview.example.net';

describe('preview host names', () => {
  it('are exactly <port>.<domain>, on any port after the name', () => {
    expect(previewHostPort(`5173.${DOMAIN}`, DOMAIN)).toBe(5173);
    expect(previewHostPort(`5173.${DOMAIN}:443`, DOMAIN)).toBe(5173);
    expect(previewHostPort(`5173.PREVIEW.example.net.`, DOMAIN)).toBe(5173);
    for (const host of [DOMAIN, `www.${DOMAIN}`, `05173.${DOMAIN}`, `65536.${DOMAIN}`, `0.${DOMAIN}`, `5173.x.${DOMAIN}`, `5173.${DOMAIN}.evil.example`, `5173.preview.example.netx`, '[::1]:5173', undefined]) {
      expect(previewHostPort(host, DOMAIN), String(host)).toBeNull();
    }
    expect(previewHostPort(`5173.${DOMAIN}`, null)).toBeNull();
  });

  it("take PUBLIC_URL's scheme and port", () => {
    expect(previewHostOrigin(5173, DOMAIN, 'https://shell.example.com')).toBe(`https://5173.${DOMAIN}`);
    expect(previewHostOrigin(5173, DOMAIN, 'http://127.0.0.1:3000/')).toBe(`http://5173.${DOMAIN}:3000`);
    expect(previewHostsSource(DOMAIN, 'https://shell.example.com:8443')).toBe(`https://*.${DOMAIN}:8443`);
  });

  it("route every path of a preview host to the preview, and leave Shellport's own URLs alone", () => {
    const rewrite = previewHostRewrite(DOMAIN)!;
    const request = (host: string, url: string) => ({ headers: { host }, url }) as unknown as IncomingMessage;
    expect(rewrite(request(`5173.${DOMAIN}`, '/api/me?x=1'))).toBe('/__preview-host/5173/api/me?x=1');
    expect(rewrite(request('shell.example.com', '/api/me'))).toBe('/api/me');
    expect(previewHostRewrite(null)).toBeUndefined();
  });
});

describe("a preview host's responses", () => {
  const target = { port: 5173, upstreamOrigin: 'http://127.0.0.1:5173', linkBase: '/' };

  it("keep the app's cookies host-only, and drop those named like Shellport's", () => {
    expect(rewriteHostSetCookie('a=1; Domain=.example.net; Path=/app; Secure')).toBe('a=1; Path=/app; Secure');
    expect(rewriteHostSetCookie('__Host-a=1; Path=/; Secure')).toBe('__Host-a=1; Path=/; Secure');
    expect(rewriteHostSetCookie('shellport_preview=x; Path=/')).toBeNull();
    expect(rewriteHostSetCookie('__Host-shellport_session=x; Path=/; Secure')).toBeNull();
  });

  it("let Shellport frame them unless the app's X-Frame-Options says otherwise", () => {
    expect(hostFramingPolicy(undefined, 'https://shell.example.com')).toBe("frame-ancestors 'self' https://shell.example.com");
    expect(hostFramingPolicy('SAMEORIGIN', 'https://shell.example.com')).toBe("frame-ancestors 'self'");
    expect(hostFramingPolicy('DENY', 'https://shell.example.com')).toBe("frame-ancestors 'none'");
  });

  it('are not sandboxed, keep redirects on the host and drop headers that act beyond the page', () => {
    const headers = previewHostResponseHeaders(
      {
        'content-type': 'text/html',
        'content-security-policy': "default-src 'self'",
        location: 'http://localhost:5173/next',
        'strict-transport-security': 'max-age=1',
        'set-cookie': ['a=1; Domain=example.net', 'shellport_session=x'],
      },
      target,
      'https://shell.example.com',
    );
    expect(headers).toEqual({
      'content-type': 'text/html',
      'content-security-policy': ["frame-ancestors 'self' https://shell.example.com", "default-src 'self'"],
      location: '/next',
      'set-cookie': ['a=1'],
    });
  });
});
