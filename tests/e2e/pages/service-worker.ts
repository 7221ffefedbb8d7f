// The installable app's service worker (src/web/sw/) as a test sees it: registered and in control,
// its notifications, a push delivered to it through the DevTools protocol (the one external part, the
// browser's push service, is not reachable from here), and a click on a notification.
import type { BrowserContext, CDPSession, Page, Worker } from 'playwright-core';

// Browser globals inside evaluate() callbacks (the Node type-check has no DOM library).
declare const navigator: any;
declare const self: any;
declare const NotificationEvent: any;

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { url: string; kind: string; approvalId: string | null; sessionId: string | null; deviceId: string | null } | null;
  actions: { action: string; title: string }[];
}

export class ServiceWorkerDriver {
  private cdp: CDPSession | null = null;
  private registrationId: string | null = null;

  constructor(readonly page: Page) {}

  get context(): BrowserContext {
    return this.page.context();
  }

  /** Waits until the page is controlled by Shellport's worker at /sw.js; returns the worker's script URL. */
  async waitUntilControlling(): Promise<string> {
    const handle = await this.page.waitForFunction(() => navigator.serviceWorker.controller?.scriptURL ?? null, undefined, { timeout: 15_000 }).catch(async (error: Error) => {
      const state = await this.page.evaluate(async () =>
        JSON.stringify((await navigator.serviceWorker.getRegistrations()).map((r: any) => ({ scope: r.scope, active: r.active?.state, installing: r.installing?.state, waiting: r.waiting?.state }))),
      );
      throw new Error(`${error.message}\nThe page at ${this.page.url()} has these service worker registrations: ${state}`);
    });
    return (await handle.jsonValue()) as string;
  }

  /** The running worker, as Playwright attaches to it. */
  async worker(): Promise<Worker> {
    const running = this.context.serviceWorkers().find((worker) => worker.url().endsWith('/sw.js'));
    return running ?? (await this.context.waitForEvent('serviceworker', { predicate: (worker) => worker.url().endsWith('/sw.js'), timeout: 15_000 }));
  }

  /** The notifications the worker's registration shows now. */
  async notifications(): Promise<ShownNotification[]> {
    return this.page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      const shown = await registration.getNotifications();
      return shown.map((notification: any) => ({
        title: notification.title,
        body: notification.body,
        tag: notification.tag,
        data: notification.data ?? null,
        actions: [...(notification.actions ?? [])].map((action: any) => ({ action: action.action, title: action.title })),
      }));
    });
  }

  /** Waits until a notification titled like `title` shows; returns it. */
  async waitForNotification(title: RegExp | string, timeout = 10_000): Promise<ShownNotification> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = (await this.notifications()).find((notification) => (typeof title === 'string' ? notification.title === title : title.test(notification.title)));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No notification titled ${String(title)}; shown: ${JSON.stringify(await this.notifications())}`);
      await this.page.waitForTimeout(100);
    }
  }

  /**
   * Delivers `payload` (the JSON the push service decrypted) to the worker as the browser's push
   * service would: DevTools' ServiceWorker.deliverPushMessage, to this origin's registration.
   */
  async deliverPush(payload: unknown): Promise<void> {
    const cdp = await this.session();
    const origin = new URL(this.page.url()).origin;
    await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: await this.registration(), data: JSON.stringify(payload) });
  }

  /**
   * Delivers `payload` and waits for its notification; delivers it once more if none shows within
   * a few seconds (on a loaded machine DevTools may hand a push to a worker that is still starting,
   * which drops it). The worker replaces a notification by its tag, so two deliveries show one.
   */
  async deliverPushUntilShown(payload: { title: string }): Promise<ShownNotification> {
    await this.deliverPush(payload);
    try {
      return await this.waitForNotification(payload.title, 7_000);
    } catch {
      await this.deliverPush(payload);
      return this.waitForNotification(payload.title, 15_000);
    }
  }

  /**
   * Clicks a notification (or one of its buttons), inside the worker: the worker's own
   * notificationclick handler runs, as it does for a person's click, and the click resolves once the
   * work the handler gave to `waitUntil` has settled (the browser keeps the worker alive for it too).
   * A synthetic event's own `waitUntil` throws, so the event gets one that collects the promises.
   */
  async click(tag: string, action = ''): Promise<void> {
    const worker = await this.worker();
    await worker.evaluate(
      async ({ tag, action }) => {
        const [notification] = await self.registration.getNotifications({ tag });
        if (!notification) throw new Error(`no notification with tag ${tag}`);
        const event = new NotificationEvent('notificationclick', { notification, action });
        const work: Promise<unknown>[] = [];
        Object.defineProperty(event, 'waitUntil', { value: (promise: Promise<unknown>) => void work.push(promise) });
        self.dispatchEvent(event);
        await Promise.all(work);
      },
      { tag, action },
    );
  }

  private async session(): Promise<CDPSession> {
    this.cdp ??= await this.context.newCDPSession(this.page);
    return this.cdp;
  }

  /** The registration id of the worker for this origin, from ServiceWorker.enable's events. */
  private async registration(): Promise<string> {
    if (this.registrationId) return this.registrationId;
    const cdp = await this.session();
    const origin = new URL(this.page.url()).origin;
    const found = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
        const registration = registrations.find((candidate) => candidate.scopeURL === `${origin}/` && !candidate.isDeleted);
        if (registration) resolve(registration.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`DevTools named no service worker registration for ${origin}/`)), 10_000);
    });
    try {
      this.registrationId = await Promise.race([found, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.registrationId;
  }
}

/**
 * Makes the page's PushManager hand out `subscription` (one the fake push service made) instead of
 * asking the browser's push service, which Chromium here cannot reach: the browser's push service is the
 * one external part of Web Push. Everything else is real: the app's Settings code, the server's
 * encryption and VAPID signature (checked by the fake), and the service worker showing what arrives.
 * The stand-in refuses a subscribe call without userVisibleOnly or with another key than the server's.
 */
export async function useFakePushSubscription(page: Page, subscription: { endpoint: string; keys: { p256dh: string; auth: string } }, serverKey: string): Promise<void> {
  await page.addInitScript(
    ({ subscription, serverKey }) => {
      const KEY = 'e2e.fakePushSubscription';
      const w = globalThis as any;
      const toBase64Url = (buffer: ArrayBuffer | ArrayBufferView) => {
        const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        return w.btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      };
      const fromBase64Url = (text: string) => Uint8Array.from(w.atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c: string) => c.charCodeAt(0)).buffer;
      const make = (json: typeof subscription) => ({
        endpoint: json.endpoint,
        expirationTime: null,
        options: { userVisibleOnly: true, applicationServerKey: fromBase64Url(serverKey) },
        toJSON: () => ({ endpoint: json.endpoint, expirationTime: null, keys: json.keys }),
        getKey: (name: 'p256dh' | 'auth') => fromBase64Url(json.keys[name]),
        unsubscribe: async () => {
          w.localStorage.removeItem(KEY);
          return true;
        },
      });
      w.PushManager.prototype.subscribe = async function (options: { userVisibleOnly?: boolean; applicationServerKey?: ArrayBuffer | ArrayBufferView | string }) {
        if (!options?.userVisibleOnly) throw new w.DOMException('userVisibleOnly must be true', 'NotAllowedError');
        const key = typeof options.applicationServerKey === 'string' ? options.applicationServerKey : options.applicationServerKey && toBase64Url(options.applicationServerKey);
        if (key !== serverKey) throw new w.DOMException(`applicationServerKey ${String(key)} is not the server's`, 'InvalidAccessError');
        w.localStorage.setItem(KEY, JSON.stringify(subscription));
        return make(subscription);
      };
      w.PushManager.prototype.getSubscription = async function () {
        const stored = w.localStorage.getItem(KEY);
        return stored ? make(JSON.parse(stored)) : null;
      };
    },
    { subscription, serverKey },
  );
}
