import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import type { Env } from '../../../src/config/index.js';
import type { PushEventKind, PushPreferences, PushResponse } from '../../../src/shared/attention.js';
import { buildTestApp, injectAsOwner, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';
import { startFakePushService, type FakePushService, type SubscriptionJson } from '../../helpers/fake-push-service.js';
import type { TerminalTestApp } from '../terminals/helpers.js';

export interface PushTestApp extends TestApp {
  pushService: FakePushService;
  /** The app's VAPID public key (GET /api/push). */
  publicKey: string;
}

/**
 * The real app with a fake push service it trusts (closed after the test, after the app), a short
 * grace period and push deadline.
 */
export async function startPushApp(options: { env?: Env; graceMs?: number; timeoutMs?: number } = {}): Promise<PushTestApp> {
  const pushService = await startFakePushService();
  onTestFinished(() => pushService.close());
  const testApp = await buildTestApp(
    { HOME: makeTempDir('shellport-home-'), TERMINAL_KILL_GRACE_MS: '300', ...options.env },
    { push: { agent: pushService.agent, graceMs: options.graceMs ?? 200, timeoutMs: options.timeoutMs ?? 2000 } },
  );
  const response = await injectAsOwner(testApp.app, { method: 'GET', url: '/api/push' });
  return { ...testApp, pushService, publicKey: (response.json() as PushResponse).publicKey };
}

/** The app listening on loopback with the owner signed in, for terminal clients (tests/features/terminals/transports.ts). */
export async function listen(testApp: PushTestApp): Promise<PushTestApp & TerminalTestApp> {
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = testApp.app.server.address() as AddressInfo;
  return { ...testApp, port, origin: `http://127.0.0.1:${port}`, cookie: await signInAsOwner(testApp.app) };
}

/** Subscribes a new fake-browser subscription, made for the app's key, as `name`. */
export async function subscribeDevice(
  testApp: PushTestApp,
  name: string,
  /** As the server takes them: any subset, `kinds` too. */
  preferences?: Partial<Omit<PushPreferences, 'kinds'>> & { kinds?: Partial<Record<PushEventKind, boolean>> },
): Promise<{ id: string; subscription: SubscriptionJson }> {
  const subscription = testApp.pushService.subscribe({ applicationServerKey: testApp.publicKey });
  const response = await injectAsOwner(testApp.app, { method: 'POST', url: '/api/push/devices', payload: { name, subscription, ...(preferences ? { preferences } : {}) } });
  if (response.statusCode !== 201) throw new Error(`subscribing failed: ${response.statusCode} ${response.body}`);
  return { id: (response.json() as { device: { id: string } }).device.id, subscription };
}
