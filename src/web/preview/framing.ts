// Whether a previewed app lets Shellport show it in a frame (issue 23 §1, docs/preview.md): read from
// the headers its page came with through the proxy, as the browser itself will judge the frame.
// DOM-free: unit-tested in tests/web/preview-framing.test.ts.

export type Framing = { framable: true } | { framable: false; reason: string };

export interface FramingHeaders {
  /** X-Frame-Options, as `Headers.get` joins repeated headers (`a, b`). */
  xFrameOptions: string | null;
  /** Content-Security-Policy, every policy joined by commas as `Headers.get` does. */
  contentSecurityPolicy: string | null;
}

export interface Embedder {
  /** The origin of the page that would hold the frame: Shellport's (`https://shell.example.com`). */
  origin: string;
  /** Whether the framed page is at that same origin (path mode: `/preview/<port>/…`) or on a host of its own (subdomain mode). */
  sameOrigin: boolean;
}

const FORBIDDEN_BY_APP = 'This app does not allow other pages to show it in a frame';

/**
 * The decision a browser makes for a frame of this page held by `embedder`: a policy's
 * `frame-ancestors` (CSP Level 3) overrides X-Frame-Options; every policy that has one must allow the
 * embedder; X-Frame-Options `DENY` refuses, `SAMEORIGIN` allows only the same origin.
 */
export function framingOf(headers: FramingHeaders, embedder: Embedder): Framing {
  const ancestorLists = (headers.contentSecurityPolicy ?? '')
    .split(',')
    .map((policy) => frameAncestors(policy))
    .filter((list): list is string[] => list !== null);
  const options = (headers.xFrameOptions ?? '')
    .split(',')
    .map((value) => value.trim().toLowerCase())
    .filter(Boolean);
  if (ancestorLists.length > 0) {
    for (const sources of ancestorLists) {
      if (!sources.some((source) => sourceAllows(source, embedder))) {
        // Shellport's proxy turns an app's X-Frame-Options: DENY into frame-ancestors 'none': named as the app said it.
        const said = options.includes('deny') ? 'X-Frame-Options: DENY' : `Content-Security-Policy frame-ancestors ${sources.join(' ') || "'none'"}`;
        return { framable: false, reason: `${FORBIDDEN_BY_APP} (${said}).` };
      }
    }
    return { framable: true };
  }
  if (options.includes('deny')) return { framable: false, reason: `${FORBIDDEN_BY_APP} (X-Frame-Options: DENY).` };
  if (options.includes('sameorigin') && !embedder.sameOrigin) return { framable: false, reason: `${FORBIDDEN_BY_APP} (X-Frame-Options: SAMEORIGIN).` };
  return { framable: true };
}

/** The source list of a policy's frame-ancestors directive, or null when it has none. */
function frameAncestors(policy: string): string[] | null {
  for (const directive of policy.split(';')) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    if (name?.toLowerCase() === 'frame-ancestors') return sources.filter((source) => source !== "'none'");
  }
  return null;
}

function sourceAllows(source: string, embedder: Embedder): boolean {
  const lower = source.toLowerCase();
  if (lower === "'self'") return embedder.sameOrigin;
  const origin = new URL(embedder.origin);
  if (lower === '*') return origin.protocol === 'http:' || origin.protocol === 'https:';
  if (/^[a-z][a-z0-9+.-]*:$/.test(lower)) return lower === origin.protocol || (lower === 'http:' && origin.protocol === 'https:');
  const match = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^/:]+|\*)(?::(\d+|\*))?(?:\/.*)?$/.exec(lower);
  if (!match) return false;
  const [, scheme, wildcard, host, port] = match;
  if (scheme !== undefined && `${scheme}:` !== origin.protocol && !(scheme === 'http' && origin.protocol === 'https:')) return false;
  const hostname = origin.hostname.toLowerCase();
  const hostMatches = host === '*' || (wildcard ? hostname.endsWith(`.${host}`) : hostname === host);
  if (!hostMatches) return false;
  const defaultPort = origin.protocol === 'https:' ? '443' : '80';
  const embedderPort = origin.port || defaultPort;
  return port === '*' || (port ?? defaultPort) === embedderPort;
}
