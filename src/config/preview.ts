import { z } from 'zod';
import { boolean, emptyToUndefined, integer } from './env.js';

/** `3000-3999,5173,8080`: single ports and inclusive ranges, 1–65535, separated by commas. */
const PORT_LIST = /^\s*\d{1,5}(\s*-\s*\d{1,5})?(\s*,\s*\d{1,5}(\s*-\s*\d{1,5})?)*\s*$/;

/** Two or more DNS labels: `preview.example.com`, `preview.localhost`. */
const PREVIEW_DOMAIN_NAME = /^(?=.{1,240}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface PortRange {
  from: number;
  to: number;
}

/** The ranges of a PREVIEW_PORTS value; null when it is not one (a port outside 1–65535, a range backwards). */
export function parsePortRanges(value: string): PortRange[] | null {
  if (!PORT_LIST.test(value)) return null;
  const ranges: PortRange[] = [];
  for (const part of value.split(',')) {
    const [from, to = from] = part.split('-').map((bound) => Number(bound.trim())) as [number, number?];
    if (from < 1 || to > 65535 || from > to) return null;
    ranges.push({ from, to });
  }
  return ranges;
}

export const previewEnv = {
  PREVIEW_ENABLED: boolean(true),
  PREVIEW_PORTS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => parsePortRanges(value) !== null, {
        error: 'ports and ranges from 1 to 65535 separated by commas, such as 3000-3999,5173,8080',
      })
      .optional(),
  ),
  PREVIEW_LINK_TTL_MINUTES: integer({ min: 1, max: 10_080, default: 480 }),
  PREVIEW_CONNECT_TIMEOUT_MS: integer({ min: 100, max: 60_000, default: 5000 }),
  PREVIEW_UPSTREAM_TIMEOUT_MS: integer({ min: 1000, max: 3_600_000, default: 120_000 }),
  PREVIEW_DOMAIN: z.preprocess(
    (value) => (typeof value === 'string' ? emptyToUndefined(value.trim().toLowerCase().replace(/\.$/, '')) : value),
    z
      .string()
      .regex(PREVIEW_DOMAIN_NAME, { error: 'a DNS name whose subdomains (5173.<name>) reach Shellport, such as preview.example.com (no scheme, port or path)' })
      .optional(),
  ),
};

type PreviewEnv = z.infer<z.ZodObject<typeof previewEnv>>;

export interface PreviewConfig {
  /** Whether /preview/<port>/ forwards to dev servers on this machine (docs/preview.md). */
  enabled: boolean;
  /** The only ports that may be previewed; null means any port but Shellport's own. */
  allowedPorts: PortRange[] | null;
  /** How long a preview link (the capability in `/preview/<port>/~<capability>/`) is accepted. */
  linkTtlMs: number;
  /** Opening a connection to the dev server: given up after this long. */
  connectTimeoutMs: number;
  /**
   * The dev server's answer: its response head within this long, and then no pause longer than this
   * between two pieces of its body (a WebSocket is checked with pings instead).
   */
  upstreamTimeoutMs: number;
  /**
   * The subdomain mode (docs/preview.md): each port also on a host name of its own,
   * `<port>.<domain>`, at PUBLIC_URL's scheme and port; null: path mode only.
   */
  domain: string | null;
}

export function buildPreviewConfig(env: PreviewEnv): PreviewConfig {
  return {
    enabled: env.PREVIEW_ENABLED,
    allowedPorts: env.PREVIEW_PORTS === undefined ? null : parsePortRanges(env.PREVIEW_PORTS),
    linkTtlMs: env.PREVIEW_LINK_TTL_MINUTES * 60_000,
    connectTimeoutMs: env.PREVIEW_CONNECT_TIMEOUT_MS,
    upstreamTimeoutMs: env.PREVIEW_UPSTREAM_TIMEOUT_MS,
    domain: env.PREVIEW_DOMAIN ?? null,
  };
}
