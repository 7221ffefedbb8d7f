// Whether a previewed app may be shown in a frame beside the terminals (src/web/preview/framing.ts).
import { describe, expect, it } from 'vitest';
import { framingOf } from '../../../src/web/preview/framing.js';

const shellport = { origin: 'https://shell.example.com', sameOrigin: true };
const subdomain = { origin: 'https://shell.example.com', sameOrigin: false };
const headers = (xFrameOptions: string | null, contentSecurityPolicy: string | null) => ({ xFrameOptions, contentSecurityPolicy });
const PREVIEW = "sandbox allow-scripts; frame-ancestors 'self'";

describe('framing a preview', () => {
  it('allows an app that says nothing, or what the proxy says for it', () => {
    expect(framingOf(headers(null, null), shellport)).toEqual({ framable: true });
    expect(framingOf(headers(null, PREVIEW), shellport)).toEqual({ framable: true });
    expect(framingOf(headers('SAMEORIGIN', PREVIEW), shellport)).toEqual({ framable: true });
  });

  it("refuses what X-Frame-Options DENY or a policy's frame-ancestors refuse, saying which", () => {
    expect(framingOf(headers('DENY', "sandbox allow-scripts; frame-ancestors 'none'"), shellport)).toEqual({
      framable: false,
      reason: 'This app does not allow other pages to show it in a frame (X-Frame-Options: DENY).',
    });
    expect(framingOf(headers('deny', null), shellport).framable).toBe(false);
    expect(framingOf(headers(null, `${PREVIEW}, default-src 'self'; frame-ancestors 'none'`), shellport)).toEqual({
      framable: false,
      reason: "This app does not allow other pages to show it in a frame (Content-Security-Policy frame-ancestors 'none').",
    });
    expect(framingOf(headers(null, `${PREVIEW}, frame-ancestors https://other.example`), shellport).framable).toBe(false);
  });

  it("lets frame-ancestors name Shellport's origin, by host, wildcard or scheme", () => {
    for (const sources of ['https://shell.example.com', '*.example.com', 'https:', '*', 'shell.example.com:443']) {
      expect(framingOf(headers('DENY', `${PREVIEW}, frame-ancestors ${sources}`), shellport)).toEqual({ framable: true });
    }
    expect(framingOf(headers(null, 'frame-ancestors shell.example.com:8443'), shellport).framable).toBe(false);
  });

  it("on a host of its own, 'self' and SAMEORIGIN mean the app's host, not Shellport", () => {
    expect(framingOf(headers('SAMEORIGIN', null), subdomain).framable).toBe(false);
    expect(framingOf(headers(null, "frame-ancestors 'self'"), subdomain).framable).toBe(false);
    expect(framingOf(headers(null, "frame-ancestors 'self' https://shell.example.com"), subdomain)).toEqual({ framable: true });
  });
});
