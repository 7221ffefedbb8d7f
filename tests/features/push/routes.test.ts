// /api/push against the real app, SQLite and web-push, delivering to the fake push service.
import { describe, expect, it } from 'vitest';
import { ENCRYPTED_COLUMNS } from '../../../src/infra/vault.js';
import type { PushDevice, PushMessage, PushResponse } from '../../../src/shared/attention.js';
import { buildTestApp, injectAsOwner, makeTempDir } from '../../helpers/app.js';
import { startPushApp, subscribeDevice } from './helpers.js';

const ALL_KINDS = { approval: true, waiting: true, bell: true, finished: true, failed: true, 'long-command': true };

describe('Web Push API', () => {
  it('needs a signed-in owner, and refuses a cross-site subscription', async () => {
    const { app, pushService } = await startPushApp();
    expect((await app.inject({ method: 'GET', url: '/api/push' })).statusCode).toBe(401);
    const subscription = pushService.subscribe();
    const anonymous = await app.inject({ method: 'POST', url: '/api/push/devices', payload: { name: 'Phone', subscription } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthenticated');
    for (const [method, url] of [
      ['PATCH', '/api/push/devices/x'],
      ['DELETE', '/api/push/devices/x'],
      ['POST', '/api/push/devices/x/test'],
    ] as const) {
      expect((await app.inject({ method, url, payload: {} })).statusCode).toBe(401);
    }
    const crossSite = await injectAsOwner(app, { method: 'POST', url: '/api/push/devices', headers: { origin: 'https://evil.example' }, payload: { name: 'Phone', subscription } });
    expect(crossSite.statusCode).toBe(403);
    expect(await app.db.pushDevice.count()).toBe(0);
  });

  it('makes the VAPID key pair once, keeps its private key encrypted by the vault, and answers the same public key after a restart', async () => {
    const dataDir = makeTempDir();
    const first = await buildTestApp({ DATA_DIR: dataDir });
    const { publicKey, devices } = (await injectAsOwner(first.app, { method: 'GET', url: '/api/push' })).json() as PushResponse;
    expect(devices).toEqual([]);
    const point = Buffer.from(publicKey, 'base64url');
    expect(point).toHaveLength(65);
    expect(point[0]).toBe(4);
    const row = await first.app.db.pushKey.findUniqueOrThrow({ where: { id: 'vapid' } });
    expect(row.privateKey).toMatch(/^v1:/);
    expect(Buffer.from(first.app.vault.decrypt(row.privateKey!), 'base64url')).toHaveLength(32);
    expect(ENCRYPTED_COLUMNS).toContainEqual({ table: 'push_keys', idColumn: 'id', column: 'private_key' });
    await first.app.close();

    const second = await buildTestApp({ DATA_DIR: dataDir });
    expect(((await injectAsOwner(second.app, { method: 'GET', url: '/api/push' })).json() as PushResponse).publicKey).toBe(publicKey);
  });

  it('makes a new key pair when key rotation dropped the private key, and removes the devices subscribed for the old one', async () => {
    const dataDir = makeTempDir();
    const first = await startPushApp({ env: { DATA_DIR: dataDir } });
    await subscribeDevice(first, 'Phone');
    // What `npm run key:rotate -- --drop-undecryptable` leaves when the old key is lost.
    await first.app.db.pushKey.update({ where: { id: 'vapid' }, data: { privateKey: null } });
    await first.app.close();

    const second = await buildTestApp({ DATA_DIR: dataDir });
    const answer = (await injectAsOwner(second.app, { method: 'GET', url: '/api/push' })).json() as PushResponse;
    expect(answer.publicKey).not.toBe(first.publicKey);
    expect(answer.devices).toEqual([]);
    expect(second.logLines().find((line) => line.devicesRemoved === 1)).toMatchObject({ level: 40 });
    expect((await second.app.db.pushKey.findUniqueOrThrow({ where: { id: 'vapid' } })).privateKey).toMatch(/^v1:/);
  });

  it('subscribes a device with default preferences, lists it without its endpoint or keys, and replaces it when the endpoint subscribes again', async () => {
    const testApp = await startPushApp();
    const { app, pushService, publicKey } = testApp;
    const subscription = pushService.subscribe({ applicationServerKey: publicKey });
    const created = await injectAsOwner(app, { method: 'POST', url: '/api/push/devices', payload: { name: '  Phone ', subscription, preferences: { timeZone: 'Europe/Berlin' } } });
    expect(created.statusCode).toBe(201);
    const device = created.json().device as PushDevice;
    expect(device).toEqual({
      id: expect.any(String),
      name: 'Phone',
      service: new URL(pushService.origin).host,
      createdAt: expect.any(String),
      lastSentAt: null,
      lastError: null,
      preferences: { kinds: ALL_KINDS, quietHours: null, timeZone: 'Europe/Berlin' },
    });

    const listed = await injectAsOwner(app, { method: 'GET', url: '/api/push' });
    expect(listed.json()).toEqual({ publicKey, devices: [device] });
    const secretParts = [subscription.endpoint, new URL(subscription.endpoint).pathname, subscription.keys.p256dh, subscription.keys.auth];
    for (const part of secretParts) {
      expect(created.body).not.toContain(part);
      expect(listed.body).not.toContain(part);
    }

    const again = await injectAsOwner(app, { method: 'POST', url: '/api/push/devices', payload: { name: 'Phone (Safari)', subscription } });
    expect(again.statusCode).toBe(200);
    expect(again.json().device).toMatchObject({ id: device.id, name: 'Phone (Safari)', preferences: { timeZone: 'Europe/Berlin' } });
    expect(await app.db.pushDevice.count()).toBe(1);

    // Without preferences: UTC.
    const other = await subscribeDevice(testApp, 'Laptop');
    const laptop = (await injectAsOwner(app, { method: 'GET', url: '/api/push' })).json().devices.find((d: PushDevice) => d.id === other.id);
    expect(laptop.preferences).toEqual({ kinds: ALL_KINDS, quietHours: null, timeZone: 'UTC' });
    for (const part of secretParts) expect(testApp.logText()).not.toContain(part);
  });

  it('renames a device and changes its kinds, quiet hours and time zone', async () => {
    const testApp = await startPushApp();
    const { id } = await subscribeDevice(testApp, 'Phone');
    const patch = (payload: object) => injectAsOwner(testApp.app, { method: 'PATCH', url: `/api/push/devices/${id}`, payload });

    const renamed = await patch({ name: 'Work phone', preferences: { kinds: { bell: false, 'long-command': false }, quietHours: { start: '22:00', end: '07:00' } } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().device).toMatchObject({
      name: 'Work phone',
      preferences: { kinds: { ...ALL_KINDS, bell: false, 'long-command': false }, quietHours: { start: '22:00', end: '07:00' }, timeZone: 'UTC' },
    });
    const zone = await patch({ preferences: { timeZone: 'America/New_York', kinds: { bell: true } } });
    expect(zone.json().device.preferences).toEqual({ kinds: { ...ALL_KINDS, 'long-command': false }, quietHours: { start: '22:00', end: '07:00' }, timeZone: 'America/New_York' });
    const noQuiet = await patch({ preferences: { quietHours: null } });
    expect(noQuiet.json().device).toMatchObject({ name: 'Work phone', preferences: { quietHours: null, timeZone: 'America/New_York' } });

    const missing = await injectAsOwner(testApp.app, { method: 'PATCH', url: '/api/push/devices/nope', payload: { name: 'x' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('refuses bad input with 400, naming the field', async () => {
    const testApp = await startPushApp();
    const { app, pushService } = testApp;
    const good = pushService.subscribe();
    const fieldsOf = async (payload: unknown, url = '/api/push/devices', method: 'POST' | 'PATCH' = 'POST') => {
      const response = await injectAsOwner(app, { method, url, payload: payload as Record<string, unknown> });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      return (response.json().error.details as { field: string }[]).map((detail) => detail.field);
    };
    const http = good.endpoint.replace('https://', 'http://');
    expect(await fieldsOf({ name: 'Phone', subscription: { ...good, endpoint: http } })).toEqual(['subscription.endpoint']);
    expect(await fieldsOf({ name: 'Phone', subscription: { ...good, endpoint: 'https://user:pw@push.example/x' } })).toEqual(['subscription.endpoint']);
    const offCurve = Buffer.from(good.keys.p256dh, 'base64url');
    offCurve[40]! ^= 1;
    expect(await fieldsOf({ name: 'Phone', subscription: { ...good, keys: { ...good.keys, p256dh: offCurve.toString('base64url') } } })).toEqual(['subscription.keys.p256dh']);
    expect(await fieldsOf({ name: 'Phone', subscription: { ...good, keys: { ...good.keys, auth: 'c2hvcnQ' } } })).toEqual(['subscription.keys.auth']);
    expect(await fieldsOf({ name: '', subscription: good })).toEqual(['name']);
    expect(await fieldsOf({ name: 'x'.repeat(61), subscription: good })).toEqual(['name']);
    expect(await fieldsOf({ name: 'Phone', subscription: good, preferences: { timeZone: 'Mars/Olympus' } })).toEqual(['preferences.timeZone']);
    expect(await fieldsOf({ name: 'Phone', subscription: good, preferences: { quietHours: { start: '22:00', end: '22:00' } } })).toEqual(['preferences.quietHours.end']);
    expect(await fieldsOf({ name: 'Phone', subscription: good, preferences: { quietHours: { start: '25:00', end: '07:00' } } })).toEqual(['preferences.quietHours.start']);
    expect(await fieldsOf({ name: 'Phone', subscription: good, preferences: { kinds: { spam: true } } })).toEqual(['preferences.kinds']);
    expect(await fieldsOf({ name: 'Phone', subscription: good, extra: 1 })).toEqual(['(body)']);
    const { id } = await subscribeDevice(testApp, 'Phone');
    expect(await fieldsOf({ preferences: { kinds: { bell: 'yes' } } }, `/api/push/devices/${id}`, 'PATCH')).toEqual(['preferences.kinds.bell']);
    expect(await app.db.pushDevice.count()).toBe(1);
  });

  it('sends a test push that the device decrypts, and records when', async () => {
    const testApp = await startPushApp();
    const { app, pushService, publicKey } = testApp;
    const { id, subscription } = await subscribeDevice(testApp, 'Phone', { kinds: { approval: false, waiting: false, bell: false, finished: false, failed: false, 'long-command': false } });
    const response = await injectAsOwner(app, { method: 'POST', url: `/api/push/devices/${id}/test` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ delivered: true, statusCode: 201, device: { id, lastSentAt: testApp.clock.now().toISOString(), lastError: null } });

    const delivery = await pushService.waitForMessage();
    expect(delivery.endpoint).toBe(subscription.endpoint);
    expect(delivery.vapid).toMatchObject({ k: publicKey, aud: pushService.origin, sub: 'mailto:shellport@localhost' });
    expect(delivery).toMatchObject({ topic: 'shellport-test', urgency: 'normal', ttl: 300 });
    expect(delivery.json).toEqual({
      kind: 'test',
      title: 'Shellport notifications work',
      body: expect.stringContaining('“Phone”'),
      tag: 'shellport-test',
      url: '/settings',
      deviceId: id,
      sentAt: testApp.clock.now().toISOString(),
    } satisfies PushMessage);

    const missing = await injectAsOwner(app, { method: 'POST', url: '/api/push/devices/nope/test' });
    expect(missing.statusCode).toBe(404);
  });

  it('removes a device whose subscription is gone (410 or 404) and says so', async () => {
    const testApp = await startPushApp();
    const { app, pushService } = testApp;
    for (const status of [410, 404]) {
      const { id, subscription } = await subscribeDevice(testApp, `Old phone ${status}`);
      pushService.respond(subscription.endpoint, { status });
      const response = await injectAsOwner(app, { method: 'POST', url: `/api/push/devices/${id}/test` });
      expect(response.statusCode).toBe(410);
      expect(response.json().error).toMatchObject({
        code: 'push_subscription_gone',
        message: expect.stringMatching(new RegExp(`answered ${status}.*“Old phone ${status}” was removed`)),
        details: { service: new URL(pushService.origin).host, statusCode: status },
      });
      expect(await app.db.pushDevice.findUnique({ where: { id } })).toBeNull();
      expect(response.body).not.toContain(new URL(subscription.endpoint).pathname);
    }
    expect((await injectAsOwner(app, { method: 'GET', url: '/api/push' })).json().devices).toEqual([]);
  });

  it('answers 502 naming the push service’s answer, or its silence, and keeps the device with its last error', async () => {
    const testApp = await startPushApp({ timeoutMs: 500 });
    const { app, pushService } = testApp;
    const { id, subscription } = await subscribeDevice(testApp, 'Phone');

    pushService.respond(subscription.endpoint, { status: 500, body: `overloaded, try later (${subscription.endpoint})` });
    const failed = await injectAsOwner(app, { method: 'POST', url: `/api/push/devices/${id}/test` });
    expect(failed.statusCode).toBe(502);
    expect(failed.json().error).toMatchObject({ code: 'push_failed', message: expect.stringContaining('answered 500: overloaded, try later (<endpoint>)'), details: { statusCode: 500 } });
    const listed = (await injectAsOwner(app, { method: 'GET', url: '/api/push' })).json().devices as PushDevice[];
    expect(listed).toEqual([expect.objectContaining({ id, lastSentAt: null, lastError: expect.stringContaining('answered 500') })]);

    pushService.respond(subscription.endpoint, 'hang');
    const silent = await injectAsOwner(app, { method: 'POST', url: `/api/push/devices/${id}/test` });
    expect(silent.statusCode).toBe(502);
    expect(silent.json().error.message).toContain('did not answer within 0.5 s');

    pushService.respond(subscription.endpoint, null);
    const recovered = await injectAsOwner(app, { method: 'POST', url: `/api/push/devices/${id}/test` });
    expect(recovered.statusCode).toBe(200);
    expect(recovered.json().device.lastError).toBeNull();

    const logs = testApp.logText();
    expect(logs).toContain('push failed');
    expect(logs).not.toContain(new URL(subscription.endpoint).pathname);
    expect(testApp.logLines().find((line) => line.msg === 'push failed')).toMatchObject({ service: new URL(pushService.origin).host, statusCode: 500 });
  });

  it('deletes a device', async () => {
    const testApp = await startPushApp();
    const { id } = await subscribeDevice(testApp, 'Phone');
    const deleted = await injectAsOwner(testApp.app, { method: 'DELETE', url: `/api/push/devices/${id}` });
    expect(deleted.statusCode).toBe(204);
    expect(await testApp.app.db.pushDevice.count()).toBe(0);
    expect((await injectAsOwner(testApp.app, { method: 'DELETE', url: `/api/push/devices/${id}` })).statusCode).toBe(404);
  });

  it('app.push.send: each device by its kinds and quiet hours, in its own time zone', async () => {
    const testApp = await startPushApp();
    const { app, pushService, clock } = testApp;
    clock.set(new Date('2026-01-15T21:30:00Z')); // 22:30 in Berlin, 16:30 in New York
    const all = await subscribeDevice(testApp, 'All');
    const noBell = await subscribeDevice(testApp, 'No bell', { kinds: { bell: false } });
    const berlinNight = await subscribeDevice(testApp, 'Berlin', { quietHours: { start: '22:00', end: '07:00' }, timeZone: 'Europe/Berlin' });
    const newYorkNight = await subscribeDevice(testApp, 'New York', { quietHours: { start: '22:00', end: '07:00' }, timeZone: 'America/New_York' });
    const message: PushMessage = { kind: 'bell', title: 'Bell · bash', body: 'It rang.', tag: 'terminal-x', url: '/terminals?session=x', sessionId: 'x', sentAt: clock.now().toISOString() };

    const reports = await app.push.send(message);
    expect(Object.fromEntries(reports.map((report) => [report.deviceName, report.result]))).toEqual({ All: 'delivered', 'No bell': 'skipped', Berlin: 'skipped', 'New York': 'delivered' });
    expect(pushService.deliveries.map((delivery) => delivery.endpoint).sort()).toEqual([all.subscription.endpoint, newYorkNight.subscription.endpoint].sort());
    // Each device gets the message with its own id.
    const byEndpoint = new Map([all, newYorkNight].map((device) => [device.subscription.endpoint, device.id]));
    expect(pushService.deliveries.map((delivery) => delivery.json)).toEqual(pushService.deliveries.map((delivery) => ({ ...message, deviceId: byEndpoint.get(delivery.endpoint) })));

    const only = await app.push.send({ ...message, kind: 'waiting' }, { deviceIds: [noBell.id, berlinNight.id] });
    expect(only.map((report) => [report.deviceName, report.result])).toEqual([
      ['No bell', 'delivered'],
      ['Berlin', 'skipped'],
    ]);
    expect(await app.push.deviceName(berlinNight.id)).toBe('Berlin');
    expect(await app.push.deviceName('nope')).toBeNull();
  });
});
