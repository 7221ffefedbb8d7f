import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

/**
 * Whether a request comes from a program on this machine, straight to the server: over loopback (or
 * to the server's own address from that address), with none of a proxy's headers. A reverse proxy on
 * this host would make every visitor look local, so proxied requests never count. The routes the
 * terminals call (git credentials, agent hooks) answer nobody else.
 */
export function isLocalCaller(request: FastifyRequest): boolean {
  const socket = request.raw.socket;
  const sameHost = isLoopbackAddress(socket.remoteAddress) || (socket.remoteAddress !== undefined && socket.remoteAddress === socket.localAddress);
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined;
  return sameHost && !proxied;
}

/** The secret of an `Authorization: Bearer <secret>` header in the terminals' secret alphabet (base64url), or undefined. */
export function bearerSecret(request: FastifyRequest): string | undefined {
  return /^Bearer ([A-Za-z0-9_-]+)$/.exec(request.headers.authorization ?? '')?.[1];
}
