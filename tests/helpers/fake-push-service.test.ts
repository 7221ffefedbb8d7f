// The fake push service against the real web-push library: what the library sends must decrypt and
// verify here, and what a real push service refuses must be refused here too.
import { request as httpsRequest, type Agent } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import webpush, { type RequestDetails } from 'web-push';
import { startFakePushService, type FakePushService } from './fake-push-service.js';

const SUBJECT = 'mailto:owner@example.com';
const services: FakePushService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
});

async function start(): Promise<FakePushService> {
  const service = await startFakePushService();
  services.push(service);
  return service;
}

/** POSTs a request the library prepared (generateRequestDetails), perhaps altered, and resolves with the answer. */
function post(details: RequestDetails & { endpoint: string }, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(details.endpoint, { method: 'POST', headers: details.headers as Record<string, string>, agent }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(details.body ?? undefined);
  });
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the push was accepted');
    },
    (error: unknown) => error as { statusCode?: number; body?: string; message: string },
  );

describe('the fake push service', () => {
  it('takes what web-push sends: 201 with a Location, the JSON decrypted, TTL, Urgency, Topic and the VAPID claims recorded', async () => {
    const service = await start();
    const keys = webpush.generateVAPIDKeys();
    const subscription = service.subscribe({ applicationServerKey: keys.publicKey });
    expect(subscription.endpoint.startsWith(`${service.origin}/push/`)).toBe(true);
    expect(Buffer.from(subscription.keys.p256dh, 'base64url')).toHaveLength(65);
    expect(Buffer.from(subscription.keys.auth, 'base64url')).toHaveLength(16);

    const message = { title: 'Hello', body: 'ünïcödé and emoji 🚀', padding: 'x'.repeat(2000) };
    const result = await webpush.sendNotification(subscription, JSON.stringify(message), {
      vapidDetails: { subject: SUBJECT, ...keys },
      TTL: 120,
      urgency: 'high',
      topic: 'terminal1',
      agent: service.agent,
    });
    expect(result.statusCode).toBe(201);
    expect(result.headers.location).toMatch(new RegExp(`^${service.origin}/message/`));
    const delivery = await service.waitForMessage();
    expect(delivery).toMatchObject({ endpoint: subscription.endpoint, ttl: 120, urgency: 'high', topic: 'terminal1', json: message });
    expect(delivery.vapid).toMatchObject({ aud: service.origin, sub: SUBJECT, k: keys.publicKey });
    expect(service.refusals).toEqual([]);
  });

  it('refuses a tampered payload, and a payload encrypted for another subscription', async () => {
    const service = await start();
    const keys = webpush.generateVAPIDKeys();
    const subscription = service.subscribe();
    const options = { vapidDetails: { subject: SUBJECT, ...keys }, TTL: 60 };

    const intact = webpush.generateRequestDetails(subscription, '{"n":1}', options);
    expect(await post(intact, service.agent)).toMatchObject({ status: 201 });
    expect(service.deliveries.map((delivery) => delivery.json)).toEqual([{ n: 1 }]);

    const tampered = webpush.generateRequestDetails(subscription, '{"n":2}', options);
    const body = Buffer.from(tampered.body!);
    body[body.length - 20]! ^= 0x01;
    const answer = await post({ ...tampered, body }, service.agent);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/does not decrypt: authentication failed/);

    const other = service.subscribe();
    const misdirected = webpush.generateRequestDetails(other, '{"n":3}', options);
    expect(await post({ ...misdirected, endpoint: subscription.endpoint }, service.agent)).toMatchObject({ status: 400 });
    expect(service.deliveries).toHaveLength(1);
  });

  it('refuses a JWT signed with another key than the subscription was made for (403), and bad JWTs (401)', async () => {
    const service = await start();
    const keys = webpush.generateVAPIDKeys();
    const otherKeys = webpush.generateVAPIDKeys();
    const subscription = service.subscribe({ applicationServerKey: keys.publicKey });

    const wrongKey = await rejection(webpush.sendNotification(subscription, 'x', { vapidDetails: { subject: SUBJECT, ...otherKeys }, agent: service.agent }));
    expect(wrongKey.statusCode).toBe(403);

    const withHeader = (authorization: string | undefined) => {
      const details = webpush.generateRequestDetails(subscription, 'x', { vapidDetails: { subject: SUBJECT, ...keys } });
      const headers = { ...details.headers } as Record<string, unknown>;
      if (authorization === undefined) delete headers.Authorization;
      else headers.Authorization = authorization;
      return post({ ...details, headers } as RequestDetails & { endpoint: string }, service.agent);
    };
    const vapid = (audience: string, signer = keys, expiration?: number) =>
      webpush.getVapidHeaders(audience, SUBJECT, signer.publicKey, signer.privateKey, 'aes128gcm', expiration).Authorization;

    expect(await withHeader(vapid(service.origin))).toMatchObject({ status: 201 });
    // Signed by another key, claiming the subscription's.
    const forged = vapid(service.origin, otherKeys).replace(/k=[\w-]+/, `k=${keys.publicKey}`);
    expect(await withHeader(forged)).toMatchObject({ status: 401, body: expect.stringMatching(/signature/) });
    expect(await withHeader(vapid('https://push.example.net'))).toMatchObject({ status: 401, body: expect.stringMatching(/aud/) });
    expect(await withHeader(vapid(service.origin, keys, Math.floor(Date.now() / 1000) - 10))).toMatchObject({ status: 401, body: expect.stringMatching(/exp/) });
    expect(await withHeader(undefined)).toMatchObject({ status: 401 });
    expect(service.deliveries).toHaveLength(1);
  });

  it('answers 410, 404, 500 or nothing as told, and 410 for an endpoint it never made', async () => {
    const service = await start();
    const keys = webpush.generateVAPIDKeys();
    const subscription = service.subscribe();
    const send = (target = subscription, timeout?: number) =>
      rejection(webpush.sendNotification(target, 'x', { vapidDetails: { subject: SUBJECT, ...keys }, agent: service.agent, ...(timeout ? { timeout } : {}) }));

    service.respond(subscription.endpoint, { status: 410 });
    expect((await send()).statusCode).toBe(410);
    service.respond(subscription.endpoint, { status: 404 });
    expect((await send()).statusCode).toBe(404);
    service.respond(subscription.endpoint, { status: 500, body: 'overloaded' });
    expect(await send()).toMatchObject({ statusCode: 500, body: 'overloaded' });
    service.respond(subscription.endpoint, 'hang');
    expect((await send(subscription, 300)).message).toBe('Socket timeout');
    expect((await send({ ...subscription, endpoint: `${service.origin}/push/00000000-0000-0000-0000-000000000000` })).statusCode).toBe(410);

    service.respond(subscription.endpoint, null);
    await webpush.sendNotification(subscription, 'x', { vapidDetails: { subject: SUBJECT, ...keys }, agent: service.agent });
    expect(service.deliveries).toHaveLength(1);
  });

  it('waits for a message to come, and says what it got when none matches in time', async () => {
    const service = await start();
    const keys = webpush.generateVAPIDKeys();
    const subscription = service.subscribe();
    const waiting = service.waitForMessage((delivery) => (delivery.json as { n: number }).n === 2, 5000);
    for (const n of [1, 2]) await webpush.sendNotification(subscription, JSON.stringify({ n }), { vapidDetails: { subject: SUBJECT, ...keys }, agent: service.agent });
    expect((await waiting).json).toEqual({ n: 2 });
    await expect(service.waitForMessage((delivery) => (delivery.json as { n: number }).n === 3, 100)).rejects.toThrow(/no push arrived within 100 ms; 2 delivered/);
  });
});
