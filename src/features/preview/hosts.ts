// The subdomain mode of previews (docs/preview.md): `<port>.<PREVIEW_DOMAIN>` serves the dev server on
// that port at `/`, for apps whose URLs start at the root (Vite's and Next.js's dev servers). Pure
// functions: which hosts are preview hosts, and how their requests reach the preview routes.
import type { IncomingMessage } from 'node:http';

/** Where Fastify's router sees a preview host's request: `/__preview-host/<port>/<the path the browser asked for>`. */
export const HOST_ROUTE_PREFIX = '/__preview-host/';

/**
 * The path on a preview host where a one-time ticket from Shellport becomes the host's preview cookie
 * (the only path of the app's host that Shellport keeps for itself).
 */
export const TICKET_PATH = '/__shellport_preview';

/** `5173.preview.example.com` (any port, as a proxy may forward it) → 5173; null for any other host. */
export function previewHostPort(hostHeader: string | undefined, domain: string | null): number | null {
  if (domain === null || hostHeader === undefined) return null;
  const match = /^([1-9]\d{0,4})\.([a-z0-9.-]+?)\.?(?::\d{1,5})?$/i.exec(hostHeader);
  if (!match || match[2]!.toLowerCase() !== domain) return null;
  const port = Number(match[1]);
  return port <= 65535 ? port : null;
}

/** The origin of a port's preview host: PUBLIC_URL's scheme and port on `<port>.<domain>`. */
export function previewHostOrigin(port: number, domain: string, publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.protocol}//${port}.${domain}${url.port ? `:${url.port}` : ''}`;
}

/** The Content-Security-Policy source that matches every preview host (`https://*.preview.example.com:8443`). */
export function previewHostsSource(domain: string, publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.protocol}//*.${domain}${url.port ? `:${url.port}` : ''}`;
}

/**
 * Fastify's `rewriteUrl`: every request to a preview host, whatever its path, is routed to the
 * preview host routes, so that none of Shellport's own routes (its API, its pages, its sign-in) ever
 * answers on a preview host. Other hosts' URLs are left as they are.
 */
export function previewHostRewrite(domain: string | null): ((request: IncomingMessage) => string) | undefined {
  if (domain === null) return undefined;
  return (request) => {
    const url = request.url ?? '/';
    const port = previewHostPort(request.headers.host, domain);
    return port === null ? url : `${HOST_ROUTE_PREFIX}${port}${url.startsWith('/') ? url : `/${url}`}`;
  };
}
