// Setting up Web Push on this browser (issue 20): what it can do, what to call it, which device in the
// list it is. DOM-free (the browser's facts come in as arguments), unit-tested in Node.
import { MAX_DEVICE_NAME_LENGTH, PUSH_EVENT_KINDS, type PushDevice, type PushEventKind, type PushPreferences, type QuietHours } from '../../shared/attention.js';

/** What this browser can do about push notifications, in the order they are checked. */
export type PushSupport =
  /** Not https (nor localhost): browsers give service workers and push to secure pages only. */
  | 'insecure'
  /** iPhone or iPad in Safari, not added to the home screen: iOS gives Web Push to installed web apps only. */
  | 'ios-install'
  /** No service worker, PushManager or Notification at all. */
  | 'unsupported'
  /** The owner (or a policy) blocked notifications for this site. */
  | 'denied'
  | 'ready';

export interface BrowserFacts {
  isSecureContext: boolean;
  hasServiceWorker: boolean;
  hasPushManager: boolean;
  hasNotification: boolean;
  permission: NotificationPermission | null;
  userAgent: string;
  /** navigator.maxTouchPoints: iPadOS says "Macintosh" in its user agent, but has a touch screen. */
  maxTouchPoints: number;
  /** Opened from the home screen (display-mode standalone, or iOS's navigator.standalone). */
  isStandalone: boolean;
}

/** iPhone, iPod or iPad (including iPadOS, which calls itself a Mac with a touch screen). */
export function isAppleMobile(userAgent: string, maxTouchPoints: number): boolean {
  return /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
}

export function pushSupport(facts: BrowserFacts): PushSupport {
  if (!facts.isSecureContext) return 'insecure';
  if (isAppleMobile(facts.userAgent, facts.maxTouchPoints) && !facts.isStandalone) return 'ios-install';
  if (!facts.hasServiceWorker || !facts.hasPushManager || !facts.hasNotification) return 'unsupported';
  if (facts.permission === 'denied') return 'denied';
  return 'ready';
}

/** What the Notifications section says for each state other than ready (the iOS steps are a list of their own). */
export const PUSH_SUPPORT_TEXT: Record<Exclude<PushSupport, 'ready'>, string> = {
  insecure:
    'Browsers send notifications only to pages served over HTTPS (or from localhost). Reach Shellport through https:// (PUBLIC_URL and a reverse proxy, see docs/deploy.md), then turn them on here.',
  'ios-install':
    'On iPhone and iPad, notifications reach web apps only once they are on the home screen (iOS 16.4 or later). Add Shellport to your home screen, open it from there, and come back to this page.',
  unsupported:
    'This browser cannot receive push notifications. Use a current Chrome, Edge, Firefox or Safari (on iPhone and iPad, Safari with Shellport added to the home screen).',
  denied:
    'Notifications are blocked for this site. Allow them in the browser’s site settings (the icon before the address; on iPhone and iPad: Settings → Notifications → Shellport), then reload this page.',
};

/** A name for this device, from its user agent: "iPhone", "Android phone", "Mac", "Windows PC" … made unique among `taken`. */
export function defaultDeviceName(userAgent: string, maxTouchPoints: number, taken: Iterable<string> = []): string {
  const device = /iPhone|iPod/.test(userAgent)
    ? 'iPhone'
    : /iPad/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1)
      ? 'iPad'
      : /Android/.test(userAgent)
        ? /Mobile/.test(userAgent)
          ? 'Android phone'
          : 'Android tablet'
        : /CrOS/.test(userAgent)
          ? 'Chromebook'
          : /Macintosh|Mac OS X/.test(userAgent)
            ? 'Mac'
            : /Windows/.test(userAgent)
              ? 'Windows PC'
              : /Linux/.test(userAgent)
                ? 'Linux computer'
                : 'This browser';
  const names = new Set([...taken].map((name) => name.toLowerCase()));
  if (!names.has(device.toLowerCase())) return device;
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\/|FxiOS/.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\/|CriOS/.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : null;
  const withBrowser = browser ? `${device} (${browser})` : device;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? withBrowser : `${withBrowser} ${n}`;
    if (!names.has(candidate.toLowerCase())) return candidate.slice(0, MAX_DEVICE_NAME_LENGTH);
  }
}

/** The VAPID key as `applicationServerKey` wants it: base64url text → bytes. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** What this browser remembers of its own subscription: which device in the list it is. */
export interface OwnDevice {
  id: string;
  endpoint: string;
}

export const OWN_DEVICE_KEY = 'shellport.pushDevice';

export function parseOwnDevice(stored: string | null): OwnDevice | null {
  try {
    const value = JSON.parse(stored ?? 'null') as Partial<OwnDevice> | null;
    return value && typeof value.id === 'string' && typeof value.endpoint === 'string' ? { id: value.id, endpoint: value.endpoint } : null;
  } catch {
    return null;
  }
}

/**
 * The device in the list that is this browser: the one it subscribed as, while the browser still holds
 * that subscription (a new endpoint, after the browser renewed it or the owner blocked and allowed
 * again, is a different device until it subscribes again).
 */
export function findOwnDevice(devices: PushDevice[], own: OwnDevice | null, currentEndpoint: string | null): PushDevice | null {
  if (!own || !currentEndpoint || own.endpoint !== currentEndpoint) return null;
  return devices.find((device) => device.id === own.id) ?? null;
}

/** The preferences a new device starts with: every kind on, no quiet hours, this browser's time zone. */
export function initialPreferences(timeZone: string): PushPreferences {
  return { kinds: Object.fromEntries(PUSH_EVENT_KINDS.map((kind) => [kind, true])) as Record<PushEventKind, boolean>, quietHours: null, timeZone };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Quiet hours from two time fields ("22:00", "07:00"); null with a reason when they cannot be saved. */
export function checkQuietHours(start: string, end: string): { ok: true; value: QuietHours } | { ok: false; message: string } {
  if (!TIME.test(start) || !TIME.test(end)) return { ok: false, message: 'Give both times, as hours and minutes (22:00).' };
  if (start === end) return { ok: false, message: 'The start and the end are the same time: choose a window.' };
  return { ok: true, value: { start, end } };
}

/** "22:00–07:00 (Europe/Berlin), overnight" in words for the device list. */
export function describeQuietHours(preferences: PushPreferences): string {
  const hours = preferences.quietHours;
  if (!hours) return 'No quiet hours';
  return `Quiet ${hours.start}–${hours.end}${hours.end < hours.start ? ' (overnight)' : ''}, ${preferences.timeZone}`;
}
