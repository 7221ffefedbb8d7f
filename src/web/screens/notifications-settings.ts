// Settings → Notifications (issue 20): subscribe this browser to Web Push under a name, and manage every
// subscribed device — what it is told about, its quiet hours, a test, rename, remove. Where this
// browser cannot subscribe, it says why and what to do (on an iPhone: add Shellport to the home screen).
import { MAX_DEVICE_NAME_LENGTH, PUSH_EVENT_KIND_LABELS, PUSH_EVENT_KINDS, type PushEventKind } from '../../shared/attention.js';
import { api, describeError } from '../app/api.js';
import type { ScreenContext } from '../app/context.js';
import { confirmDialog } from '../app/dialog.js';
import { field, h, setFieldError, uid } from '../app/dom.js';
import { timeAgo } from '../app/format.js';
import { isStandalone } from '../app/pwa.js';
import { toast } from '../app/toast.js';
import type { PushDevice, PushDeviceUpdate, PushResponse, PushSubscribeRequest, PushTestResponse } from '../app/types.js';
import {
  base64UrlToBytes,
  checkQuietHours,
  defaultDeviceName,
  describeQuietHours,
  findOwnDevice,
  initialPreferences,
  OWN_DEVICE_KEY,
  parseOwnDevice,
  pushSupport,
  PUSH_SUPPORT_TEXT,
  type OwnDevice,
  type PushSupport,
} from './push-setup.js';

/** How long to wait for the service worker to be active before subscribing. */
const WORKER_READY_MS = 10_000;

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function currentSupport(): PushSupport {
  return pushSupport({
    isSecureContext: window.isSecureContext,
    hasServiceWorker: 'serviceWorker' in navigator,
    hasPushManager: 'PushManager' in window,
    hasNotification: 'Notification' in window,
    permission: 'Notification' in window ? Notification.permission : null,
    userAgent: navigator.userAgent,
    maxTouchPoints: navigator.maxTouchPoints ?? 0,
    isStandalone: isStandalone(),
  });
}

function readOwnDevice(): OwnDevice | null {
  try {
    return parseOwnDevice(localStorage.getItem(OWN_DEVICE_KEY));
  } catch {
    return null;
  }
}

function writeOwnDevice(own: OwnDevice | null): void {
  try {
    if (own) localStorage.setItem(OWN_DEVICE_KEY, JSON.stringify(own));
    else localStorage.removeItem(OWN_DEVICE_KEY);
  } catch {
    // Without storage this browser is not marked in the list; everything else works.
  }
}

/** The service worker's registration once it is active (pushManager.subscribe needs an active worker). */
async function activeRegistration(): Promise<ServiceWorkerRegistration> {
  const registration = (await navigator.serviceWorker.getRegistration('/')) ?? (await navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }));
  if (registration.active) return registration;
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error('The service worker did not start. Reload the page and try again.')), WORKER_READY_MS);
  });
  try {
    return await Promise.race([navigator.serviceWorker.ready, timeout]);
  } finally {
    window.clearTimeout(timer);
  }
}

async function currentSubscription(): Promise<PushSubscription | null> {
  if (currentSupport() !== 'ready' && currentSupport() !== 'denied') return null;
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** Subscribes with the server's key; a subscription made with an older key is replaced. */
async function subscribe(publicKey: string): Promise<PushSubscription> {
  const registration = await activeRegistration();
  const options: PushSubscriptionOptionsInit = { userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey) };
  try {
    return await registration.pushManager.subscribe(options);
  } catch (error) {
    // InvalidStateError: this browser holds a subscription under another key (the server's key changed).
    const existing = await registration.pushManager.getSubscription();
    if (!existing) throw error;
    await existing.unsubscribe();
    return registration.pushManager.subscribe(options);
  }
}

/** The Notifications card of the settings screen. */
export function notificationsSection(context: ScreenContext): HTMLElement {
  const thisBrowser = h('div', { class: 'push-this-browser' });
  const list = h('ul', { class: 'device-list', 'aria-labelledby': 'devices-title' });
  const noDevices = h('p', { class: 'hint', hidden: true }, 'No device gets notifications yet.');
  const loadError = h('p', { class: 'error-text', role: 'alert', hidden: true });
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'notifications-title' },
    h('h2', { id: 'notifications-title' }, 'Notifications'),
    h(
      'p',
      { class: 'hint' },
      'Shellport tells your phone or computer when a terminal needs you: an agent asks for approval or waits for input, a program rings the bell, an agent finishes, a command fails or a long one ends. Each device chooses what it hears about.',
    ),
    thisBrowser,
    loadError,
    h('h3', { id: 'devices-title' }, 'Devices'),
    noDevices,
    list,
  );
  let disposed = false;
  context.onDispose(() => {
    disposed = true;
  });

  const load = async () => {
    let response: PushResponse;
    try {
      response = await api<PushResponse>('/api/push');
    } catch (error) {
      if (disposed) return;
      loadError.textContent = describeError(error);
      loadError.hidden = false;
      return;
    }
    if (disposed) return;
    loadError.hidden = true;
    const subscription = await currentSubscription().catch(() => null);
    const own = findOwnDevice(response.devices, readOwnDevice(), subscription?.endpoint ?? null);
    if (disposed) return;
    renderThisBrowser(response, own, subscription);
    list.replaceChildren(...response.devices.map((device) => deviceItem(device, device.id === own?.id, subscription)));
    noDevices.hidden = response.devices.length > 0;
  };

  const renderThisBrowser = (response: PushResponse, own: PushDevice | null, subscription: PushSubscription | null) => {
    const support = currentSupport();
    if (own) {
      thisBrowser.replaceChildren(h('p', { role: 'status' }, 'This browser gets notifications as ', h('strong', {}, own.name), '.'));
      return;
    }
    if (support !== 'ready') {
      thisBrowser.replaceChildren(...supportNotice(support));
      return;
    }
    const name = h('input', {
      type: 'text',
      name: 'deviceName',
      maxlength: MAX_DEVICE_NAME_LENGTH,
      autocomplete: 'off',
      value: defaultDeviceName(navigator.userAgent, navigator.maxTouchPoints ?? 0, response.devices.map((device) => device.name)),
    });
    const turnOn = h('button', { type: 'submit', class: 'primary' }, 'Turn on notifications on this device');
    const status = h('p', { role: 'status', class: 'push-status' });
    const form = h(
      'form',
      { class: 'push-subscribe' },
      h('p', {}, subscription ? 'This browser has a subscription Shellport does not know (yet). Turn notifications on to name it.' : 'This browser does not get notifications.'),
      field('Name of this device', name, 'How the device list, and an answer sent from it, name this browser: “iPhone”, “laptop”.'),
      h('div', { class: 'actions' }, turnOn),
      status,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const deviceName = name.value.trim();
      if (!deviceName) {
        setFieldError(name, 'Give this device a name.');
        return;
      }
      setFieldError(name, null);
      turnOn.disabled = true;
      status.textContent = 'Asking the browser for permission…';
      try {
        const permission = await Notification.requestPermission();
        if (permission !== 'granted') {
          status.textContent =
            permission === 'denied'
              ? PUSH_SUPPORT_TEXT.denied
              : 'The browser’s question was closed without an answer, so nothing changed. Choose Turn on notifications on this device again, and allow them.';
          return;
        }
        status.textContent = 'Subscribing…';
        const pushSubscription = await subscribe(response.publicKey);
        const json = pushSubscription.toJSON();
        const body: PushSubscribeRequest = {
          name: deviceName,
          subscription: { endpoint: pushSubscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } },
          preferences: initialPreferences(browserTimeZone()),
        };
        const created = await api<{ device: PushDevice }>('/api/push/devices', { method: 'POST', body });
        writeOwnDevice({ id: created.device.id, endpoint: pushSubscription.endpoint });
        toast(`Notifications are on for ${created.device.name}.`, 'success');
        await load();
      } catch (error) {
        status.textContent = `Notifications could not be turned on: ${describeError(error)}`;
      } finally {
        turnOn.disabled = false;
      }
    });
    thisBrowser.replaceChildren(form);
  };

  const update = async (device: PushDevice, patch: PushDeviceUpdate, done: string) => {
    try {
      await api<{ device: PushDevice }>(`/api/push/devices/${encodeURIComponent(device.id)}`, { method: 'PATCH', body: patch });
      toast(done, 'success');
      return true;
    } catch (error) {
      toast(describeError(error), 'error');
      return false;
    }
  };

  const deviceItem = (device: PushDevice, isThisBrowser: boolean, subscription: PushSubscription | null): HTMLElement => {
    const titleId = uid('device');
    const name = h('input', { type: 'text', name: 'name', maxlength: MAX_DEVICE_NAME_LENGTH, autocomplete: 'off', value: device.name });
    name.addEventListener('change', async () => {
      const next = name.value.trim();
      if (!next) {
        setFieldError(name, 'A device needs a name. Nothing was saved.');
        return;
      }
      setFieldError(name, null);
      if (await update(device, { name: next }, `Renamed to ${next}.`)) await load();
      else name.value = device.name;
    });

    const kinds = { ...device.preferences.kinds };
    const kindBoxes = PUSH_EVENT_KINDS.map((kind) => {
      const box = h('input', { type: 'checkbox', name: `kind-${kind}`, checked: kinds[kind] });
      box.addEventListener('change', async () => {
        kinds[kind] = box.checked;
        if (!(await update(device, { preferences: { kinds: { ...kinds } } }, `${device.name}: ${PUSH_EVENT_KIND_LABELS[kind]} ${box.checked ? 'on' : 'off'}.`))) {
          kinds[kind] = !box.checked;
          box.checked = !box.checked;
        }
      });
      return h('label', { class: 'checkbox-inline' }, box, PUSH_EVENT_KIND_LABELS[kind as PushEventKind]);
    });

    // Quiet hours are in the device's time zone; edited on the device itself, its zone is brought up to date.
    const timeZone = isThisBrowser ? browserTimeZone() : device.preferences.timeZone;
    const quiet = device.preferences.quietHours;
    const quietOn = h('input', { type: 'checkbox', name: 'quietHours', checked: quiet !== null });
    const start = h('input', { type: 'time', name: 'quietStart', value: quiet?.start ?? '22:00', disabled: quiet === null });
    const end = h('input', { type: 'time', name: 'quietEnd', value: quiet?.end ?? '07:00', disabled: quiet === null });
    const saveQuiet = async () => {
      start.disabled = end.disabled = !quietOn.checked;
      if (!quietOn.checked) {
        setFieldError(end, null);
        await update(device, { preferences: { quietHours: null, timeZone } }, `${device.name}: no quiet hours.`);
        return;
      }
      const checked = checkQuietHours(start.value, end.value);
      if (!checked.ok) {
        setFieldError(end, `${checked.message} Nothing was saved.`);
        return;
      }
      setFieldError(end, null);
      await update(device, { preferences: { quietHours: checked.value, timeZone } }, `${device.name}: quiet from ${checked.value.start} to ${checked.value.end}.`);
    };
    for (const control of [quietOn, start, end]) control.addEventListener('change', () => void saveQuiet());

    const test = h('button', { type: 'button', 'aria-label': `Send a test notification to ${device.name}` }, 'Send test');
    test.addEventListener('click', async () => {
      test.disabled = true;
      try {
        const result = await api<PushTestResponse>(`/api/push/devices/${encodeURIComponent(device.id)}/test`, { method: 'POST', body: {} });
        toast(`The push service took the test for ${device.name} (HTTP ${result.statusCode}): it shows once the device is online.`, 'success');
      } catch (error) {
        toast(describeError(error), 'error');
      } finally {
        test.disabled = false;
        await load();
      }
    });
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${device.name}` }, 'Remove');
    remove.addEventListener('click', async () => {
      const confirmed = await confirmDialog({
        title: `Remove ${device.name}?`,
        message: isThisBrowser ? 'This browser stops getting notifications.' : `${device.name} stops getting notifications. Turn them on there again to get them back.`,
        confirmLabel: 'Remove',
        danger: true,
      });
      if (!confirmed) return;
      try {
        await api(`/api/push/devices/${encodeURIComponent(device.id)}`, { method: 'DELETE' });
        if (isThisBrowser) {
          writeOwnDevice(null);
          await subscription?.unsubscribe().catch(() => false);
        }
        toast(`${device.name} removed.`, 'success');
      } catch (error) {
        toast(describeError(error), 'error');
      }
      await load();
    });

    const delivery = device.lastError
      ? h('span', { class: 'error-text' }, `Last delivery failed: ${device.lastError}`)
      : `Last sent ${timeAgo(device.lastSentAt, 'never')}`;
    return h(
      'li',
      { class: 'device', 'aria-labelledby': titleId, 'data-device-id': device.id },
      h('h4', { id: titleId }, device.name, isThisBrowser ? h('span', { class: 'badge' }, 'this browser') : null),
      h('p', { class: 'hint' }, `Through ${device.service}, added ${timeAgo(device.createdAt)}. `, delivery, '. ', describeQuietHours(device.preferences), '.'),
      field('Name', name),
      h('fieldset', { class: 'device-kinds' }, h('legend', {}, 'Tell this device about'), kindBoxes),
      h(
        'fieldset',
        { class: 'device-quiet' },
        h('legend', {}, 'Quiet hours'),
        h('div', { class: 'checkbox' }, quietOn, h('label', { for: (quietOn.id ||= uid('quiet')) }, 'No notifications between')),
        h('div', { class: 'quiet-times' }, field('From', start), field('To', end)),
        h('p', { class: 'hint' }, `Times in ${timeZone}. A window past midnight (22:00 to 07:00) is fine.`),
      ),
      h('div', { class: 'actions' }, test, remove),
    );
  };

  void load();
  return section;
}

/** What to do where this browser cannot subscribe (support is not 'ready'). */
function supportNotice(support: Exclude<PushSupport, 'ready'>): HTMLElement[] {
  if (support !== 'ios-install') return [h('p', { class: 'notice', role: 'status' }, PUSH_SUPPORT_TEXT[support])];
  return [
    h('p', { class: 'notice', role: 'status' }, PUSH_SUPPORT_TEXT['ios-install']),
    h(
      'ol',
      { class: 'install-steps' },
      h('li', {}, 'Tap ', h('strong', {}, 'Share'), ' (the square with an arrow pointing up) in Safari’s toolbar.'),
      h('li', {}, 'Choose ', h('strong', {}, 'Add to Home Screen'), ', then ', h('strong', {}, 'Add'), '.'),
      h('li', {}, 'Open Shellport from its icon on the home screen, sign in, and come back to Settings → Notifications.'),
    ),
  ];
}
