import { isIP } from 'node:net';
import type { ServerConfig } from '../../config/server.js';

/**
 * Whether a Host header names this server: PUBLIC_URL's host name (on any port, as a proxy may
 * forward it), an IP address, or localhost. Any other name is refused (DNS rebinding: a page on
 * evil.example whose name was re-pointed at this server would otherwise talk to it as its own
 * origin, including from the owner's own machine). A request without Host (HTTP/1.0, not a
 * browser) passes.
 */
export function isServedHost(hostHeader: string | undefined, server: ServerConfig): boolean {
  if (hostHeader === undefined) return true;
  const hostname = hostnameOf(hostHeader);
  if (hostname === null) return false;
  if (hostname === withoutTrailingDot(new URL(server.publicUrl).hostname)) return true;
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 || bare === 'localhost' || bare.endsWith('.localhost');
}

/** Only what a host and port are made of: no user info (`evil@127.0.0.1`), paths or spaces that URL parsing would quietly drop. */
const HOST_HEADER = /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** The host name a Host header names, lower case and without the trailing dot of a fully qualified name; null when it is no host. */
function hostnameOf(hostHeader: string): string | null {
  if (!HOST_HEADER.test(hostHeader)) return null;
  try {
    return withoutTrailingDot(new URL(`http://${hostHeader}`).hostname);
  } catch {
    return null;
  }
}

const withoutTrailingDot = (hostname: string) => (hostname.endsWith('.') ? hostname.slice(0, -1) : hostname);

/**
 * Whether a request's Origin is Shellport itself. PUBLIC_URL's origin always is; when PUBLIC_URL
 * was not configured (it is then only a guess from HOST/PORT), an Origin naming the same host as
 * the Host header is accepted too. A cross-site page cannot forge either header.
 */
export function isOwnOrigin(origin: string, hostHeader: string | undefined, server: ServerConfig): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === new URL(server.publicUrl).origin) return true;
  return !server.isPublicUrlExplicit && hostHeader !== undefined && isServedHost(hostHeader, server) && parsed.host === hostHeader.toLowerCase();
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery check for state-changing HTTP requests. Browsers send Origin on every
 * non-GET request and Sec-Fetch-Site on all requests; a request with neither is not from a browser
 * (curl, scripts) and cannot carry a victim's cookie by accident.
 */
export function isCrossSiteRequest(
  method: string,
  headers: { origin?: string | undefined; host?: string | undefined; 'sec-fetch-site'?: string | string[] | undefined },
  server: ServerConfig,
): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const fetchSite = headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
  if (headers.origin !== undefined) return !isOwnOrigin(headers.origin, headers.host, server);
  return false;
}

/**
 * Whether a request that starts a sign-in was sent by another site: a link, form or redirect on a page
 * elsewhere. Such starts are refused, or any page could sign the owner in again at will (issue 18).
 * Shellport's own pages send `same-origin`, a typed address or a bookmark `none`; a client without
 * Sec-Fetch-Site (not a current browser) passes.
 */
export function isCrossSiteStart(headers: { 'sec-fetch-site'?: string | string[] | undefined }): boolean {
  const fetchSite = headers['sec-fetch-site'];
  return fetchSite === 'cross-site' || fetchSite === 'same-site';
}
