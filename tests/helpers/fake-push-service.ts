// A push service on loopback that speaks the Web Push protocol, strictly, for tests: it hands out
// subscriptions as a browser's PushSubscription.toJSON() would, and takes deliveries as RFC 8030
// says (POST to the endpoint with TTL, Urgency, Topic; 201 Created with a Location), checking the
// VAPID JWT of RFC 8292 and decrypting the RFC 8291 aes128gcm payload with the subscription's own
// private key. Only node:crypto: the decryption is written here from the RFCs, so a test passes only
// when what the real web-push library produced is what a browser would decrypt.
//
// It speaks HTTPS (web-push speaks nothing else) with a self-signed certificate made at start;
// `agent` trusts it, and the app takes it as its push agent (buildApp({ push: { agent } })).
import {
  createECDH,
  createHmac,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
  X509Certificate,
  type ECDH,
} from 'node:crypto';
import { Agent, createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a browser's PushSubscription.toJSON() gives. */
export interface SubscriptionJson {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface Delivery {
  /** The subscription's id (the last path segment of its endpoint). */
  subscriptionId: string;
  endpoint: string;
  ttl: number;
  urgency: string;
  topic: string | null;
  /** The VAPID claims and key of the request. */
  vapid: { aud: string; exp: number; sub: string; k: string };
  /** The decrypted payload. */
  payload: Buffer;
  /** The payload as JSON, when it is JSON. */
  json: unknown;
  receivedAt: Date;
}

/** A request the fake refused (or was told to refuse): why, and what it answered. */
export interface Refusal {
  subscriptionId: string | null;
  status: number;
  reason: string;
}

/** How the fake answers deliveries to one subscription instead of accepting them. */
export type Behaviour = { status: number; body?: string } | 'hang';

interface Subscription {
  id: string;
  ecdh: ECDH;
  publicKey: Buffer;
  auth: Buffer;
  /** RFC 8292 §3: a subscription made with an applicationServerKey takes only JWTs signed with it. */
  applicationServerKey: string | null;
  behaviour: Behaviour | null;
}

const MAX_PAYLOAD_BYTES = 4096;
const MAX_JWT_LIFETIME_S = 24 * 60 * 60;

export interface FakePushService {
  origin: string;
  /** The PEM certificate it serves. */
  certificate: string;
  /** An HTTPS agent that trusts it (and nothing else). */
  agent: Agent;
  readonly deliveries: Delivery[];
  readonly refusals: Refusal[];
  /** A new subscription; with `applicationServerKey`, only JWTs signed by that key are accepted for it. */
  subscribe(options?: { applicationServerKey?: string }): SubscriptionJson;
  /** Answer deliveries to this endpoint with `behaviour` (410, 404, 500, or never) until told otherwise (null). */
  respond(endpoint: string, behaviour: Behaviour | null): void;
  /** The first delivery matching `predicate`, already received or coming within `timeoutMs`. */
  waitForMessage(predicate?: (delivery: Delivery) => boolean, timeoutMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const { key, certificate } = selfSignedCertificate();
  const subscriptions = new Map<string, Subscription>();
  const deliveries: Delivery[] = [];
  const refusals: Refusal[] = [];
  const waiters = new Set<{ predicate: (delivery: Delivery) => boolean; resolve: (delivery: Delivery) => void }>();
  let origin = '';

  const server: Server = createServer({ key, cert: certificate }, (request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES + 1) chunks.push(chunk);
    });
    request.on('end', () => handle(request, response, Buffer.concat(chunks), size));
  });

  function refuse(response: ServerResponse, subscriptionId: string | null, status: number, reason: string): void {
    refusals.push({ subscriptionId, status, reason });
    response.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
  }

  function handle(request: IncomingMessage, response: ServerResponse, body: Buffer, size: number): void {
    const match = /^\/push\/([\w-]+)$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) return refuse(response, null, 404, `no such resource: ${request.method} ${request.url}`);
    const subscription = subscriptions.get(match[1]!);
    if (!subscription) return refuse(response, match[1]!, 410, 'push subscription has expired or was removed');
    if (subscription.behaviour === 'hang') return; // never answers; close() ends the connection
    if (subscription.behaviour) return refuse(response, subscription.id, subscription.behaviour.status, subscription.behaviour.body ?? 'told to refuse');

    const vapid = checkVapid(request.headers.authorization, origin, subscription);
    if ('refused' in vapid) return refuse(response, subscription.id, vapid.status, vapid.refused);
    const ttl = request.headers.ttl;
    if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) return refuse(response, subscription.id, 400, 'TTL header missing or not a number (RFC 8030 §5.2)');
    const urgency = request.headers.urgency ?? 'normal';
    if (typeof urgency !== 'string' || !['very-low', 'low', 'normal', 'high'].includes(urgency)) return refuse(response, subscription.id, 400, 'bad Urgency (RFC 8030 §5.3)');
    const topic = request.headers.topic;
    if (topic !== undefined && (typeof topic !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(topic))) {
      return refuse(response, subscription.id, 400, 'bad Topic: at most 32 base64url characters (RFC 8030 §5.4)');
    }
    if (size > MAX_PAYLOAD_BYTES) return refuse(response, subscription.id, 413, 'payload too large');
    if (request.headers['content-encoding'] !== 'aes128gcm') return refuse(response, subscription.id, 415, 'Content-Encoding must be aes128gcm (RFC 8291)');
    let payload: Buffer;
    try {
      payload = decryptAes128gcm(body, subscription);
    } catch (error) {
      return refuse(response, subscription.id, 400, `payload does not decrypt: ${(error as Error).message}`);
    }
    let json: unknown = null;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      // not JSON: kept as bytes
    }
    const delivery: Delivery = {
      subscriptionId: subscription.id,
      endpoint: `${origin}/push/${subscription.id}`,
      ttl: Number(ttl),
      urgency,
      topic: topic ?? null,
      vapid: vapid.claims,
      payload,
      json,
      receivedAt: new Date(),
    };
    deliveries.push(delivery);
    response.writeHead(201, { location: `${origin}/message/${randomUUID()}` }).end();
    for (const waiter of [...waiters]) {
      if (waiter.predicate(delivery)) {
        waiters.delete(waiter);
        waiter.resolve(delivery);
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: certificate, keepAlive: false });

  const idOf = (endpoint: string) => {
    const id = endpoint.startsWith(`${origin}/push/`) ? endpoint.slice(`${origin}/push/`.length) : '';
    if (!subscriptions.has(id)) throw new Error(`not an endpoint of this fake push service: ${endpoint}`);
    return id;
  };

  return {
    origin,
    certificate,
    agent,
    deliveries,
    refusals,
    subscribe(options = {}) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const subscription: Subscription = {
        id: randomUUID(),
        ecdh,
        publicKey: ecdh.getPublicKey(),
        auth: randomBytes(16),
        applicationServerKey: options.applicationServerKey ?? null,
        behaviour: null,
      };
      subscriptions.set(subscription.id, subscription);
      return {
        endpoint: `${origin}/push/${subscription.id}`,
        expirationTime: null,
        keys: { p256dh: subscription.publicKey.toString('base64url'), auth: subscription.auth.toString('base64url') },
      };
    },
    respond(endpoint, behaviour) {
      subscriptions.get(idOf(endpoint))!.behaviour = behaviour;
    },
    waitForMessage(predicate = () => true, timeoutMs = 10_000) {
      const found = deliveries.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<Delivery>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (delivery: Delivery) => {
            clearTimeout(timer);
            resolve(delivery);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no push arrived within ${timeoutMs} ms; ${deliveries.length} delivered, refused: ${JSON.stringify(refusals)}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- RFC 8292: VAPID ---------------------------------------------------------------------------

type VapidCheck = { claims: Delivery['vapid'] } | { refused: string; status: number };

/** `Authorization: vapid t=<JWT>, k=<public key>`: an ES256 JWT signed by k, for this origin, expiring within 24 h, with a contact. */
function checkVapid(header: string | undefined, origin: string, subscription: Subscription): VapidCheck {
  const unauthorized = (refused: string): VapidCheck => ({ refused: `VAPID: ${refused}`, status: 401 });
  const scheme = /^vapid\s+(.+)$/i.exec(header ?? '');
  if (!scheme) return unauthorized('no "Authorization: vapid t=…, k=…" header');
  const params = new Map(
    scheme[1]!.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const token = params.get('t');
  const k = params.get('k');
  if (!token || !k) return unauthorized('t and k are both required');
  const [encodedHeader, encodedClaims, encodedSignature] = token.split('.');
  if (!encodedHeader || !encodedClaims || !encodedSignature) return unauthorized('t is not a JWT');
  let jwtHeader: { alg?: unknown };
  let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  try {
    jwtHeader = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8'));
  } catch {
    return unauthorized('the JWT does not decode');
  }
  if (jwtHeader.alg !== 'ES256') return unauthorized(`alg must be ES256, not ${String(jwtHeader.alg)}`);
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return unauthorized('k is not an uncompressed P-256 point');
  let valid = false;
  try {
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    valid = verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(encodedSignature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return unauthorized('the JWT signature does not verify with k');
  if (claims.aud !== origin) return unauthorized(`aud is ${JSON.stringify(claims.aud)}, not this push service's origin ${origin}`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) return unauthorized('exp is missing or past');
  if (claims.exp > now + MAX_JWT_LIFETIME_S) return unauthorized('exp is more than 24 hours ahead');
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return unauthorized('sub must be a mailto: or https: contact');
  if (subscription.applicationServerKey && subscription.applicationServerKey !== k) {
    return { refused: 'VAPID: k is not the key this subscription was made for', status: 403 };
  }
  return { claims: { aud: claims.aud, exp: claims.exp, sub: claims.sub, k } };
}

// --- RFC 8291 (with RFC 8188's aes128gcm): message encryption for Web Push ----------------------

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** RFC 5869 HKDF-Extract and HKDF-Expand with SHA-256. */
function hkdf(salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer {
  const prk = hmac(salt, ikm);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i += 1) {
    previous = hmac(prk, Buffer.concat([previous, info, Buffer.from([i])]));
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Decrypts one aes128gcm push message body (RFC 8291 §3.4, §4; RFC 8188 §2) with the subscription's keys. */
export function decryptAes128gcm(body: Buffer, subscription: { ecdh: ECDH; publicKey: Buffer; auth: Buffer }): Buffer {
  // Header: salt (16) | rs (uint32) | idlen (1) | keyid (idlen) = the application server's ephemeral public key.
  if (body.length < 21) throw new Error('shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes, not a 65-byte P-256 point`);
  const serverPublicKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (recordSize < 18) throw new Error(`record size ${recordSize} is too small`);
  // RFC 8291 §4: a push message is a single record.
  if (ciphertext.length > recordSize || ciphertext.length < 17) throw new Error('not exactly one record');

  const ecdhSecret = subscription.ecdh.computeSecret(serverPublicKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), subscription.publicKey, serverPublicKey]);
  const ikm = hkdf(subscription.auth, ecdhSecret, keyInfo, 32);
  const contentKey = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  // The first (and only) record's nonce is the derived nonce XOR 0.
  const decipher = createDecipheriv('aes-128-gcm', contentKey, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  let padded: Buffer;
  try {
    padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  } catch {
    throw new Error('authentication failed (wrong keys, or altered)');
  }
  // Padding: the data, a delimiter (2 in the last record), then zeros.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (end < 0 || padded[end] !== 2) throw new Error('the last record lacks its padding delimiter 0x02');
  return padded.subarray(0, end);
}

// --- A self-signed certificate for 127.0.0.1, from node:crypto and a few lines of DER -------------

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const length =
    body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

const utcTime = (date: Date) => der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`));

function selfSignedCertificate(): { key: string; certificate: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = der(0x30, oid('1.2.840.10045.4.3.2'));
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from('fake push service')))));
  const now = Date.now();
  const subjectAltName = der(0x30, der(0x82, Buffer.from('localhost')), der(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = der(
    0xa3,
    der(
      0x30,
      der(0x30, oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), der(0x04, der(0x30, der(0x01, Buffer.from([0xff]))))),
      der(0x30, oid('2.5.29.17'), der(0x04, subjectAltName)),
    ),
  );
  const serial = randomBytes(16);
  // A positive INTEGER in its shortest form: a leading 0x00 byte would be "illegal padding" in DER.
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ecdsaWithSha256,
    name,
    der(0x30, utcTime(new Date(now - 60 * 60 * 1000)), utcTime(new Date(now + 24 * 60 * 60 * 1000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificateDer = der(0x30, tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  const certificate = `-----BEGIN CERTIFICATE-----\n${certificateDer.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  // Fails here, not in a TLS handshake, if the DER above is wrong.
  if (!new X509Certificate(certificate).checkIP('127.0.0.1')) throw new Error('the fake push service certificate does not name 127.0.0.1');
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certificate };
}
