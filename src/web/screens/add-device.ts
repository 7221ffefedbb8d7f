// Settings → Add a device (issue 22 §3): a signed-in browser shows a QR code holding a single-use link
// that signs a phone in as the owner, without GitHub on the phone. The server renders the code (SVG),
// so this bundle carries no QR encoder. A link works 60 s; a new one replaces it at ~45 s while the
// dialog is open, so the code on screen always has time left to be scanned.
import { api, describeError } from '../app/api.js';
import type { ScreenContext } from '../app/context.js';
import { showPanel } from '../app/dialog.js';
import { h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import type { DeviceLinkResponse } from '../../shared/device-link.js';

/** The share of a link's life after which the next one is asked for (45 s of 60). */
const ROTATE_AT = 0.75;

/** The card with the Add a device button; `onDone` runs when the dialog closes (to list the new session). */
export function addDeviceSection(context: ScreenContext, onDone: () => void | Promise<void>): HTMLElement {
  const open = h('button', { type: 'button', class: 'primary' }, 'Add a device');
  open.addEventListener('click', () => {
    open.disabled = true;
    const dialog = openAddDeviceDialog();
    context.onDispose(dialog.close);
    void dialog.closed.then(async () => {
      open.disabled = false;
      await onDone();
    });
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'add-device-title' },
    h('h2', { id: 'add-device-title' }, 'Add a device'),
    h(
      'p',
      {},
      'Sign a phone or tablet in without GitHub: scan the code shown here with its camera. Each code works once, for 60 seconds; the device gets a sign-in session of its own, listed above.',
    ),
    h('div', { class: 'actions' }, open),
  );
}

/** The dialog: the code, the link as text (to copy, or to read where there is no camera), a countdown. */
function openAddDeviceDialog(): { closed: Promise<void>; close(): void } {
  const qr = h('img', { class: 'device-link-qr', width: 240, height: 240, alt: 'Sign-in code for your phone: scan it with the phone’s camera.' });
  const url = h('code', { class: 'device-link-url' });
  const copy = h('button', { type: 'button' }, 'Copy link');
  const countdown = h('p', { class: 'hint device-link-countdown' });
  const problem = h('p', { class: 'error-text', role: 'alert', hidden: true });
  let current: DeviceLinkResponse | null = null;
  let expiresAt = 0;
  let rotateTimer = 0;
  let tickTimer = 0;
  let closed = false;

  copy.addEventListener('click', async () => {
    if (!current) return;
    try {
      await navigator.clipboard.writeText(current.url);
      toast('Link copied: it works once, for the time shown.', 'success');
    } catch {
      // No clipboard access (an insecure context, a denied permission): select it for a manual copy.
      getSelection()?.selectAllChildren(url);
      toast('Copy the selected link by hand.', 'info');
    }
  });

  const tick = () => {
    const seconds = Math.max(0, Math.ceil((expiresAt - Date.now()) / 1000));
    countdown.textContent = seconds > 0 ? `This code works for ${seconds} more second${seconds === 1 ? '' : 's'}, once; a new one replaces it before then.` : 'This code has expired; a new one is on its way.';
  };

  async function fetchLink() {
    if (closed) return;
    try {
      const link = await api<DeviceLinkResponse>('/api/auth/device-links', { method: 'POST', body: {} });
      if (closed) return;
      current = link;
      // The countdown runs on this browser's clock from the link's life, not the server's expiresAt.
      expiresAt = Date.now() + link.ttlSeconds * 1000;
      qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrSvg)}`;
      url.textContent = link.url;
      problem.hidden = true;
      tick();
      rotateTimer = window.setTimeout(() => void fetchLink(), link.ttlSeconds * 1000 * ROTATE_AT);
    } catch (error) {
      if (closed) return;
      problem.textContent = `No sign-in code: ${describeError(error)} Close this and try again.`;
      problem.hidden = false;
    }
  }

  const panel = showPanel('Add a device', [
    h('p', {}, 'On the phone or tablet, scan this code with the camera and open the link. The device then asks you to confirm.'),
    h('div', { class: 'device-link-code' }, qr),
    countdown,
    h('p', {}, 'Or open this link on the device: ', url),
    h('div', { class: 'actions' }, copy),
    problem,
  ]);
  tickTimer = window.setInterval(tick, 1000);
  void fetchLink();
  void panel.closed.then(() => {
    closed = true;
    window.clearTimeout(rotateTimer);
    window.clearInterval(tickTimer);
  });
  return panel;
}
