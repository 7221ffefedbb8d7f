// Previews of dev servers started in Shellport's terminals (issue 23 §1, docs/preview.md): the
// shapes and paths the server and the web app share. Imports nothing.

/** Where a port is previewed: `/preview/<port>/`. Opening it as the signed-in owner redirects to a preview link. */
export const PREVIEW_PATH_PREFIX = '/preview/';

/** The address that opens a port's preview (and redirects to a preview link), optionally at a path of the dev server. */
export function previewPath(port: number, path = '/'): string {
  return `${PREVIEW_PATH_PREFIX}${port}${path.startsWith('/') ? path : `/${path}`}`;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '[::]']);

/**
 * Where a link printed in a terminal should open: a dev server's local address
 * (`http://localhost:5173/app?x=1`, `127.0.0.1`, `0.0.0.0`, `[::1]`, with a port) becomes its preview
 * on Shellport (`/preview/5173/app?x=1`), since the browser's own localhost is not the server's;
 * null for any other link, which opens as it is.
 */
export function previewLinkFor(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !LOCAL_HOSTS.has(url.hostname.toLowerCase()) || url.port === '') return null;
  return `${previewPath(Number(url.port), url.pathname)}${url.search}${url.hash}`;
}

/**
 * The sandbox every previewed response is sent with (Content-Security-Policy `sandbox`): scripts,
 * forms, pop-ups and downloads run, but never as Shellport's origin (no `allow-same-origin`). An
 * iframe pane showing a preview may use the same list as its `sandbox` attribute.
 */
export const PREVIEW_SANDBOX = 'allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox';

/** Why a port cannot be previewed (the `code` of the 400/403 answer, and `refused` in a ports list entry). */
export type PreviewRefusal =
  /** Previews are off (PREVIEW_ENABLED=false). */
  | 'preview_disabled'
  /** Not a port number from 1 to 65535. */
  | 'invalid_port'
  /** Shellport's own port (where it listens or where browsers reach it). */
  | 'own_port'
  /** Outside PREVIEW_PORTS. */
  | 'port_not_allowed';

/** A TCP port a program in one of Shellport's terminals listens on (GET /api/ports, GET /api/workspaces/:id/ports). */
export interface ListeningPort {
  port: number;
  /** The addresses it listens on: loopback (`127.0.0.1`, `::1`) or any (`0.0.0.0`, `::`). */
  addresses: string[];
  /** The listening process; null when it could not be read (another account's process). */
  pid: number | null;
  /** Its name as the kernel knows it (`node`, `python3`, at most 15 characters); null when unknown. */
  process: string | null;
  /** The terminal whose processes listen there; null when only the terminals' account could be told. */
  terminalId: string | null;
  workspaceId: string | null;
  /** `/preview/<port>/` on Shellport; null when this port cannot be previewed (see `refused`). */
  previewUrl: string | null;
  refused: PreviewRefusal | null;
}

export interface PortsResponse {
  ports: ListeningPort[];
}
