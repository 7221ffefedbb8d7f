// What a previewed dev server receives from the browser, and what the browser receives from it
// (docs/security.md, "Previews"). Pure functions: no request objects, no I/O.
import { PREVIEW_SANDBOX } from '../../shared/preview.js';

type HeaderValue = string | string[] | number | undefined;
export type Headers = Record<string, HeaderValue>;

/**
 * Shellport's own cookies (the session, the sign-in grants), with or without the `__Host-` and
 * `__Secure-` prefixes: never sent to a dev server, and never set by one.
 */
const SHELLPORT_COOKIE = /^(?:__host-|__secure-)?shellport_/i;

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus those the proxy sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

/**
 * Request headers a dev server never sees: credentials meant for Shellport (an `Authorization` set
 * for it, or by a proxy's basic auth in front of it), and what a proxy in front said about the client.
 */
const NOT_FORWARDED = new Set(['authorization', 'proxy-authorization', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip']);

/**
 * Response headers a dev server may not send through Shellport, because they would act on Shellport's
 * whole origin: wiping its cookies and storage (`Clear-Site-Data` would sign the owner out), pinning
 * HTTPS for its host name, widening a service worker's scope, advertising other protocols.
 */
const NOT_RETURNED = new Set(['clear-site-data', 'strict-transport-security', 'service-worker-allowed', 'alt-svc', 'public-key-pins', 'expect-ct', 'set-login']);

/** The Content-Security-Policy of every previewed response: an opaque origin, framable only by Shellport. */
export const PREVIEW_CSP = `sandbox ${PREVIEW_SANDBOX}; frame-ancestors 'self'`;

/**
 * The same for an app whose X-Frame-Options says `DENY`: a policy's frame-ancestors overrides
 * X-Frame-Options in browsers, so ours must say what the app said, or the app would be framed anyway.
 */
const PREVIEW_CSP_NO_FRAMES = `sandbox ${PREVIEW_SANDBOX}; frame-ancestors 'none'`;

export interface PreviewTarget {
  port: number;
  /** Where the dev server is reached: `http://127.0.0.1:5173` or `http://[::1]:5173`. */
  upstreamOrigin: string;
  /** The preview link's path up to and including the capability: `/preview/5173/~<capability>/`. */
  linkBase: string;
}

/** A Cookie header without Shellport's own cookies; undefined when nothing is left. */
export function withoutShellportCookies(cookieHeader: string): string | undefined {
  const kept = cookieHeader
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !SHELLPORT_COOKIE.test(pair.split('=', 1)[0]!.trim()));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function connectionListed(headers: Headers): Set<string> {
  const connection = headers.connection;
  return new Set(typeof connection === 'string' ? connection.toLowerCase().split(',').map((name) => name.trim()).filter(Boolean) : []);
}

/**
 * The headers sent to the dev server for a browser's request. Shellport's cookies, `Authorization`
 * and proxy headers are dropped. The dev server should see what a page it served itself would send:
 * `Origin` (which the sandbox makes `null`) becomes its own origin, `Referer` its own URL (or
 * nothing: it would carry the capability), and `Sec-Fetch-Site` `same-origin`, since the request was
 * made by the previewed page, with its own capability. On a preview host (subdomain mode) the app's
 * own `Authorization` is forwarded (`forwardAuthorization`): Shellport's credentials never come there.
 */
export function upstreamRequestHeaders(headers: Headers, target: PreviewTarget, { forwardAuthorization = false } = {}): Headers {
  const listed = connectionListed(headers);
  const result: Headers = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(key) || listed.has(key)) continue;
    if (NOT_FORWARDED.has(key) && !(forwardAuthorization && key === 'authorization')) continue;
    if (key === 'cookie') {
      const kept = withoutShellportCookies(Array.isArray(value) ? value.join('; ') : String(value));
      if (kept !== undefined) result.cookie = kept;
    } else if (key === 'origin') {
      result.origin = target.upstreamOrigin;
    } else if (key === 'referer') {
      const referer = upstreamReferer(String(value), target);
      if (referer !== undefined) result.referer = referer;
    } else if (key === 'sec-fetch-site') {
      result['sec-fetch-site'] = 'same-origin';
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** A Referer from the preview itself, as the dev server's own URL; undefined for any other. */
function upstreamReferer(referer: string, target: PreviewTarget): string | undefined {
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if (!url.pathname.startsWith(target.linkBase)) return undefined;
  return `${target.upstreamOrigin}/${url.pathname.slice(target.linkBase.length)}${url.search}`;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]']);

/**
 * A redirect's `Location` under the preview link: the dev server's own absolute URL
 * (`http://localhost:5173/x`, on loopback and the same port) or a path on it (`/x`) become
 * `/preview/5173/~<capability>/x`. Relative ones already resolve under the link; any other site is
 * left as it is: it is the browser that follows it, never the proxy.
 */
export function rewriteLocation(location: string, target: PreviewTarget): string {
  if (location.startsWith('/') && !location.startsWith('//')) return target.linkBase + location.slice(1);
  let url: URL;
  try {
    url = new URL(location.startsWith('//') ? `http:${location}` : location);
  } catch {
    return location;
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !LOOPBACK_NAMES.has(url.hostname) || port !== target.port) return location;
  return `${target.linkBase}${url.pathname.slice(1)}${url.search}${url.hash}`;
}

/**
 * A dev server's Set-Cookie, scoped to its preview: `Path=/preview/<port>/` (any path or Domain it
 * gave is dropped, so the cookie never reaches Shellport or another preview). null (dropped) for a
 * cookie named like Shellport's own, which could shadow the owner's session on these paths, and for
 * `__Host-` cookies, which browsers accept only for Path=/.
 */
export function rewriteSetCookie(setCookie: string, port: number): string | null {
  const [pair = '', ...attributes] = setCookie.split(';');
  const name = pair.split('=', 1)[0]!.trim();
  if (name === '' || SHELLPORT_COOKIE.test(name) || /^__host-/i.test(name)) return null;
  const kept = attributes.map((attribute) => attribute.trim()).filter((attribute) => attribute !== '' && !/^(path|domain)\s*(=|$)/i.test(attribute));
  return [pair.trim(), ...kept, `Path=/preview/${port}/`].join('; ');
}

/**
 * The headers the browser receives with a dev server's response: the sandbox CSP (added to any
 * policy of the dev server's own), no referrer (the capability is in the URL), resources loadable by
 * the sandboxed page (whose origin is opaque, so `null`), cookies and redirects scoped to the preview.
 */
export function previewResponseHeaders(upstream: Headers, target: PreviewTarget, requestOrigin: string | undefined): Headers {
  const listed = connectionListed(upstream);
  const result: Headers = {};
  for (const [name, value] of Object.entries(upstream)) {
    const key = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(key) || NOT_RETURNED.has(key) || listed.has(key)) continue;
    if (key === 'set-cookie') {
      const cookies = (Array.isArray(value) ? value : [String(value)]).map((cookie) => rewriteSetCookie(cookie, target.port)).filter((cookie): cookie is string => cookie !== null);
      if (cookies.length > 0) result['set-cookie'] = cookies;
    } else if (key === 'location') {
      result.location = rewriteLocation(String(value), target);
    } else {
      result[key] = value;
    }
  }
  const ownPolicy = result['content-security-policy'];
  const framing = String(result['x-frame-options'] ?? '').toLowerCase().includes('deny') ? PREVIEW_CSP_NO_FRAMES : PREVIEW_CSP;
  result['content-security-policy'] = ownPolicy === undefined ? framing : [framing, ...(Array.isArray(ownPolicy) ? ownPolicy : [String(ownPolicy)])];
  result['referrer-policy'] = 'no-referrer';
  result['x-content-type-options'] = 'nosniff';
  result['cross-origin-resource-policy'] = 'cross-origin';
  // The sandboxed page's own module scripts and fetches are CORS requests from origin `null`.
  if (requestOrigin === 'null') {
    result['access-control-allow-origin'] = 'null';
    const vary = result.vary;
    result.vary = vary === undefined ? 'Origin' : `${String(vary)}, Origin`;
  }
  return result;
}

/**
 * A dev server's Set-Cookie on its own preview host (subdomain mode): host-only (any Domain it gave is
 * dropped, so the cookie never reaches Shellport's host or another port's), its Path kept; null
 * (dropped) for a cookie named like Shellport's own, the preview cookie among them.
 */
export function rewriteHostSetCookie(setCookie: string): string | null {
  const [pair = '', ...attributes] = setCookie.split(';');
  const name = pair.split('=', 1)[0]!.trim();
  if (name === '' || SHELLPORT_COOKIE.test(name)) return null;
  const kept = attributes.map((attribute) => attribute.trim()).filter((attribute) => attribute !== '' && !/^domain\s*(=|$)/i.test(attribute));
  return [pair.trim(), ...kept].join('; ');
}

/**
 * The framing policy of a page on a preview host: Shellport's pane (`shellportOrigin`) and the host
 * itself may frame it, unless the app's X-Frame-Options said otherwise (browsers obey frame-ancestors
 * over it, so ours says what the app said).
 */
export function hostFramingPolicy(xFrameOptions: HeaderValue, shellportOrigin: string): string {
  const said = String(xFrameOptions ?? '').toLowerCase();
  if (said.includes('deny')) return "frame-ancestors 'none'";
  if (said.includes('sameorigin')) return "frame-ancestors 'self'";
  return `frame-ancestors 'self' ${shellportOrigin}`;
}

/**
 * The headers the browser receives with a dev server's response on its preview host (subdomain
 * mode): no sandbox (the page has an origin of its own, with its storage), but cookies host-only,
 * redirects kept on the host, and the same headers refused as in the path mode.
 */
export function previewHostResponseHeaders(upstream: Headers, target: PreviewTarget, shellportOrigin: string): Headers {
  const listed = connectionListed(upstream);
  const result: Headers = {};
  for (const [name, value] of Object.entries(upstream)) {
    const key = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(key) || NOT_RETURNED.has(key) || listed.has(key)) continue;
    if (key === 'set-cookie') {
      const cookies = (Array.isArray(value) ? value : [String(value)]).map(rewriteHostSetCookie).filter((cookie): cookie is string => cookie !== null);
      if (cookies.length > 0) result['set-cookie'] = cookies;
    } else if (key === 'location') {
      result.location = rewriteLocation(String(value), target);
    } else {
      result[key] = value;
    }
  }
  const framing = hostFramingPolicy(result['x-frame-options'], shellportOrigin);
  const ownPolicy = result['content-security-policy'];
  result['content-security-policy'] = ownPolicy === undefined ? framing : [framing, ...(Array.isArray(ownPolicy) ? ownPolicy : [String(ownPolicy)])];
  return result;
}
