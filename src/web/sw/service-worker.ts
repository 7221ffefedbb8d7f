// The service worker (issue 20; built by scripts/build.mjs, served at /sw.js with no-cache): shows Web
// Push messages as notifications, opens the terminal a notification is about, answers an approval from
// the notification's buttons, and answers a navigation that cannot reach the server with an offline
// page. It caches NOTHING: no app shell, no API answers, so that no stale terminal is ever shown.
//
// The WebWorker library is referenced here only; the rest of src/web is typed against the DOM (both
// libraries together compile, as skipLibCheck skips their overlaps).
/// <reference lib="webworker" />
import type { ApprovalDecision } from '../../shared/attention.js';
import { isClaimMessage, OPEN_PATH, type OpenPathMessage } from './messages.js';
import { answerBody, answerOutcome, notificationFor, parsePushMessage, readNotificationData, type NotificationData, type NotificationSpec } from './notifications.js';
import { OFFLINE_PAGE_HEADERS, OFFLINE_PAGE_HTML } from './offline-page.js';

declare const self: ServiceWorkerGlobalScope;

/** How long a page has to say it showed the path itself before the worker loads it instead. */
const PAGE_ANSWER_MS = 1500;

// Chromium's static routing: everything but page loads goes straight to the network, without waking
// this worker (the API, the assets, the WebSocket handshake). Elsewhere the fetch handler lets them pass.
interface RouterRule {
  condition: { not: { requestMode: 'navigate' } };
  source: 'network';
}
type InstallEventWithRoutes = ExtendableEvent & { addRoutes?: (rules: RouterRule[]) => Promise<void> };

self.addEventListener('install', (event: InstallEventWithRoutes) => {
  event.waitUntil(
    (async () => {
      try {
        await event.addRoutes?.([{ condition: { not: { requestMode: 'navigate' } }, source: 'network' }]);
      } catch {
        // An older Chromium without the `not` condition: the fetch handler below does the same.
      }
      // Nothing to migrate between versions (there is no cache): a new worker takes over at once.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(Promise.all([self.clients.claim(), self.registration.navigationPreload?.enable()]));
});

// A page that loaded while this worker was installing is not controlled (claim() at activation misses
// a page whose load was still under way); it asks, so that its next loads can get the offline page.
self.addEventListener('message', (event) => {
  if (isClaimMessage(event.data)) event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.mode !== 'navigate' || request.method !== 'GET') return;
  event.respondWith(loadPage(event));
});

async function loadPage(event: FetchEvent): Promise<Response> {
  try {
    // With navigation preload the browser started the request while this worker woke up.
    const preloaded = (await event.preloadResponse) as Response | undefined;
    return preloaded ?? (await fetch(event.request));
  } catch {
    return new Response(OFFLINE_PAGE_HTML, { status: 503, statusText: 'Shellport cannot be reached', headers: OFFLINE_PAGE_HEADERS });
  }
}

self.addEventListener('push', (event) => {
  let payload: unknown = null;
  try {
    payload = event.data?.json();
  } catch {
    payload = null;
  }
  const spec = notificationFor(parsePushMessage(payload), { supportsActions: supportsActions() });
  event.waitUntil(show(spec));
});

self.addEventListener('notificationclick', (event) => {
  const { notification } = event;
  const data = readNotificationData(notification.data);
  notification.close();
  const decision = event.action === 'allow' || event.action === 'deny' ? (event.action as ApprovalDecision) : null;
  event.waitUntil(decision && data.approvalId ? answer(decision, data, notification.tag) : openApp(data.url));
});

function supportsActions(): boolean {
  const maxActions = (Notification as unknown as { maxActions?: number }).maxActions;
  return typeof maxActions === 'number' && maxActions > 0;
}

function show(spec: NotificationSpec): Promise<void> {
  return self.registration.showNotification(spec.title, spec.options);
}

/** Answers the approval as the device the message went to, and replaces the notification with the outcome. */
async function answer(decision: ApprovalDecision, data: NotificationData, tag: string): Promise<void> {
  let status = 0;
  let body: unknown = null;
  try {
    const response = await fetch(`/api/approvals/${encodeURIComponent(data.approvalId!)}/answer`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(answerBody(decision, data)),
    });
    status = response.status;
    body = await response.json().catch(() => null);
  } catch {
    status = 0;
  }
  await show(answerOutcome(decision, data, tag, status, body));
}

/**
 * Shows `url` in a Shellport window: the focused one (else any), which navigates itself without a
 * page load when its app answers, else is loaded there; with no window open, in a new one. A window
 * that is signed out goes through sign-in and then to `url` (shell.ts keeps the path asked for).
 */
async function openApp(url: string): Promise<void> {
  const target = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const client = windows.find((candidate) => candidate.focused) ?? windows.find((candidate) => candidate.visibilityState === 'visible') ?? windows[0];
  if (client) {
    // Refused without a real click (a test dispatching the event itself): the window still navigates.
    await client.focus().catch(() => undefined);
    if (await showInPage(client, url)) return;
    const navigated = await client.navigate(target).catch(() => null);
    if (navigated) return;
  }
  await self.clients.openWindow(target);
}

/** Asks the page's app to show `url` itself (no reload, no leave prompt); false when it does not answer in time. */
function showInPage(client: WindowClient, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), PAGE_ANSWER_MS);
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const message: OpenPathMessage = { type: OPEN_PATH, url };
    client.postMessage(message, [channel.port2]);
  });
}
