// The installable app in the page (issue 20): registers the service worker (src/web/sw/), follows its
// requests to show a path (a notification was clicked), and says whether the app runs installed.
import { CLAIM, isOpenPathMessage } from '../sw/messages.js';

/** Registers /sw.js for the whole origin. Browsers without service workers (or on plain http) go without. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  // updateViaCache 'none': the worker script is always asked of the server, whatever caches are in between.
  const { serviceWorker } = navigator;
  serviceWorker
    .register('/sw.js', { scope: '/', updateViaCache: 'none' })
    .then(() => serviceWorker.ready)
    .then((registration) => {
      // Loaded while the worker was being installed: ask it to take this page too.
      if (!serviceWorker.controller) registration.active?.postMessage({ type: CLAIM });
    })
    .catch(() => {
      // Not fatal: the app works without it; only notifications and the offline page need it.
    });
}

/** Navigates in the app when the service worker asks (a notification click); answers on the message's port once done. */
export function followServiceWorker(navigate: (path: string) => void): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    if (event.origin && event.origin !== location.origin) return;
    if (!isOpenPathMessage(event.data) || !event.data.url.startsWith('/') || event.data.url.startsWith('//')) return;
    navigate(event.data.url);
    event.ports[0]?.postMessage('shown');
  });
  navigator.serviceWorker.startMessages();
}

/** Opened from the home screen (or installed on a desktop): display-mode standalone, or iOS's own flag. */
export function isStandalone(): boolean {
  return window.matchMedia('(display-mode: standalone)').matches || (navigator as Navigator & { standalone?: boolean }).standalone === true;
}
