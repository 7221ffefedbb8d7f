import { isIP } from 'node:net';
import { z } from 'zod';
import { emptyToUndefined, httpUrl, integer } from './env.js';

export const serverEnv = {
  HOST: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => isIP(value) !== 0 || /^[a-z0-9.-]+$/i.test(value), {
        error: 'an IP address or host name to listen on, such as 127.0.0.1 or 0.0.0.0',
      })
      .default('127.0.0.1'),
  ),
  PORT: integer({ min: 0, max: 65535, default: 3000 }),
  PUBLIC_URL: httpUrl(),
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(true|false|\d+|[0-9a-f.:/]+(\s*,\s*[0-9a-f.:/]+)*)$/i, {
        error: 'false, true, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs',
      })
      .default('false'),
  ),
  HTTP_HEADERS_TIMEOUT_MS: integer({ min: 1000, max: 120_000, default: 10_000 }),
  HTTP_BODY_TIMEOUT_MS: integer({ min: 1000, max: 3_600_000, default: 30_000 }),
  UPLOAD_IDLE_TIMEOUT_MS: integer({ min: 1000, max: 3_600_000, default: 60_000 }),
  HTTP_MAX_CONNECTIONS: integer({ min: 16, max: 1_000_000, default: 2048 }),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: integer({ min: 4, max: 1_000_000, default: 128 }),
};

type ServerEnv = z.infer<z.ZodObject<typeof serverEnv>>;

export interface ServerConfig {
  host: string;
  port: number;
  /** Where browsers reach Shellport; decides cookie `Secure` and the allowed Origin. */
  publicUrl: string;
  /** False when PUBLIC_URL was derived from HOST/PORT; the Origin check then also trusts the Host header. */
  isPublicUrlExplicit: boolean;
  /** True when browsers reach Shellport over https: cookies get `Secure`. */
  isHttps: boolean;
  /** Fastify's `trustProxy`: whose X-Forwarded-For is believed. */
  trustProxy: boolean | number | string[];
  /**
   * True when only this machine's own users can reach Shellport: it listens on loopback, browsers
   * reach it on a loopback URL, and no reverse proxy is trusted. A local reverse proxy (which makes
   * every peer look like loopback) is recognised by PUBLIC_URL or TRUST_PROXY, never by peer address.
   */
  isLoopbackOnly: boolean;
  /** Slow or idle clients (slow-clients.ts). */
  limits: ConnectionLimits;
}

export interface ConnectionLimits {
  /** Whole request head within this long. */
  headersTimeoutMs: number;
  /** Whole request body within this long (uploads: see bodyIdleTimeoutMs). */
  bodyTimeoutMs: number;
  /** Uploads: some bytes at least this often. */
  bodyIdleTimeoutMs: number;
  maxConnections: number;
  /** Per client address, when no proxy is trusted (behind one, every connection comes from the proxy). */
  maxConnectionsPerAddress: number;
}

export function buildServerConfig(env: ServerEnv): ServerConfig {
  const publicUrl = env.PUBLIC_URL ?? defaultPublicUrl(env.HOST, env.PORT);
  return {
    host: env.HOST,
    port: env.PORT,
    publicUrl,
    isPublicUrlExplicit: env.PUBLIC_URL !== undefined,
    isHttps: publicUrl.startsWith('https://'),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    isLoopbackOnly:
      isLoopbackHost(env.HOST) && isLoopbackHost(new URL(publicUrl).hostname.replace(/^\[|\]$/g, '')) && env.TRUST_PROXY === 'false',
    limits: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: env.HTTP_BODY_TIMEOUT_MS,
      bodyIdleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
      maxConnectionsPerAddress: env.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function defaultPublicUrl(host: string, port: number): string {
  const reachableHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const hostPart = isIP(reachableHost) === 6 ? `[${reachableHost}]` : reachableHost;
  return `http://${hostPart}:${port}`;
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}
