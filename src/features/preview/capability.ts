// Preview links: `/preview/<port>/~<capability>/…`. A previewed page runs sandboxed (an opaque
// origin), so the owner's SameSite=Lax cookie never comes with its requests; the capability in its
// URL stands in for it, for that port only (docs/security.md, "Previews").
//
// A capability is 31 bytes in base64url (42 characters): version (1) · port (2) · expiry in Unix
// seconds (4) · a tag of the sign-in session it was issued to (8) · HMAC-SHA-256 of the rest, cut
// to 16 bytes. The key is random per server process, so a restart revokes every link; the session
// tag lets a sign-out revoke the links of that session. Capabilities are never logged.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../infra/clock.js';

const VERSION = 1;
const PAYLOAD_BYTES = 15;
const MAC_BYTES = 16;
const TOKEN_BYTES = PAYLOAD_BYTES + MAC_BYTES;
const TOKEN = /^[A-Za-z0-9_-]{42}$/;
/** Keeps these MACs from ever being valid for anything else signed with the same key. */
const DOMAIN = 'shellport preview link v1\0';

/** The tag of a sign-in session in capabilities: not the session id itself, which a URL need not show. */
export function sessionTag(sessionId: string): string {
  return createHash('sha256').update(`preview-session\0${sessionId}`).digest().subarray(0, 8).toString('hex');
}

export type CapabilityCheck =
  | { ok: true; sessionTag: string; expiresAt: number }
  /** Not a capability this server issued: malformed, or its MAC does not verify (a guess or a forgery). */
  | { ok: false; reason: 'forged' }
  /** Issued by this server for another port: a previewed page reaching for a port not its own. */
  | { ok: false; reason: 'other_port' }
  | { ok: false; reason: 'expired' };

export interface PreviewCapabilities {
  issue(port: number, sessionId: string): string;
  /** The same for a session known by its tag only (a preview host's cookie, from a ticket's tag). */
  issueForTag(port: number, tag: string): string;
  verify(token: string, port: number): CapabilityCheck;
}

export function createPreviewCapabilities({ clock, ttlMs, key = randomBytes(32) }: { clock: Clock; ttlMs: number; key?: Buffer }): PreviewCapabilities {
  const mac = (payload: Buffer) => createHmac('sha256', key).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
  const issueForTag = (port: number, tag: string) => {
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    payload.writeUInt8(VERSION, 0);
    payload.writeUInt16BE(port, 1);
    payload.writeUInt32BE(Math.floor((clock.now().getTime() + ttlMs) / 1000), 3);
    Buffer.from(tag, 'hex').copy(payload, 7);
    return Buffer.concat([payload, mac(payload)]).toString('base64url');
  };
  return {
    issue: (port, sessionId) => issueForTag(port, sessionTag(sessionId)),
    issueForTag,
    verify(token, port) {
      if (!TOKEN.test(token)) return { ok: false, reason: 'forged' };
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length !== TOKEN_BYTES) return { ok: false, reason: 'forged' };
      const payload = bytes.subarray(0, PAYLOAD_BYTES);
      if (!timingSafeEqual(mac(payload), bytes.subarray(PAYLOAD_BYTES)) || payload.readUInt8(0) !== VERSION) return { ok: false, reason: 'forged' };
      if (payload.readUInt16BE(1) !== port) return { ok: false, reason: 'other_port' };
      const expiresAt = payload.readUInt32BE(3) * 1000;
      if (expiresAt <= clock.now().getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, sessionTag: payload.subarray(7, 15).toString('hex'), expiresAt };
    },
  };
}
