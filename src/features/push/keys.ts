import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../infra/database/client.js';
import type { Vault } from '../../infra/vault.js';

/** The one push_keys row. */
export const VAPID_KEY_ID = 'vapid';

export interface VapidKeyPair {
  /** base64url of the uncompressed P-256 point (the browsers' applicationServerKey). */
  publicKey: string;
  /** base64url of the 32-byte private scalar; only ever in memory, stored as vault ciphertext. */
  privateKey: string;
}

/**
 * The server's VAPID keys (RFC 8292), made at first start and kept in push_keys with the private
 * key encrypted by the vault. When it cannot be read (key rotation with --drop-undecryptable cleared
 * it), a new pair is made and the devices are removed: push services refuse a subscription made for
 * another key, so they subscribe again (the web app does when it sees another public key).
 */
export async function loadVapidKeys({ db, vault, log }: { db: Database; vault: Vault; log: FastifyBaseLogger }): Promise<VapidKeyPair> {
  const row = await db.pushKey.findUnique({ where: { id: VAPID_KEY_ID } });
  const privateKey = row?.privateKey ? vault.tryDecrypt(row.privateKey) : null;
  if (row && privateKey) return { publicKey: row.publicKey, privateKey };

  // Loaded when needed (once per data directory): the server starts sooner without it (issue 19).
  const { default: webpush } = await import('web-push');
  const keys = webpush.generateVAPIDKeys();
  const data = { publicKey: keys.publicKey, privateKey: vault.encrypt(keys.privateKey) };
  if (row) {
    const [{ count }] = await db.$transaction([
      db.pushDevice.deleteMany({}),
      db.pushKey.update({ where: { id: VAPID_KEY_ID }, data: { ...data, createdAt: new Date() } }),
    ]);
    log.warn({ devicesRemoved: count }, 'the Web Push (VAPID) private key could not be read: made a new key pair; devices subscribe again when they next open Shellport');
  } else {
    await db.pushKey.create({ data: { id: VAPID_KEY_ID, ...data } });
    log.info('made the Web Push (VAPID) key pair');
  }
  return keys;
}
