// Setting up Web Push on a browser: what it can do, its default name, the key, which device it is.
import { describe, expect, it } from 'vitest';
import type { PushDevice } from '../../../src/shared/attention.js';
import {
  base64UrlToBytes,
  checkQuietHours,
  defaultDeviceName,
  describeQuietHours,
  findOwnDevice,
  initialPreferences,
  parseOwnDevice,
  pushSupport,
  type BrowserFacts,
} from '../../../src/web/screens/push-setup.js';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const IPAD_AS_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36';
const LINUX_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36';
const WINDOWS_FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0';

const desktop: BrowserFacts = {
  isSecureContext: true,
  hasServiceWorker: true,
  hasPushManager: true,
  hasNotification: true,
  permission: 'default',
  userAgent: LINUX_CHROME,
  maxTouchPoints: 0,
  isStandalone: false,
};

describe('what a browser can do about notifications', () => {
  it('is ready in a current desktop browser over https', () => {
    expect(pushSupport(desktop)).toBe('ready');
    expect(pushSupport({ ...desktop, permission: 'granted' })).toBe('ready');
  });

  it('asks an iPhone or iPad to add Shellport to the home screen first, and is ready once opened from there', () => {
    const iphone = { ...desktop, userAgent: IPHONE, maxTouchPoints: 5, hasPushManager: false };
    expect(pushSupport(iphone)).toBe('ios-install');
    expect(pushSupport({ ...desktop, userAgent: IPAD_AS_MAC, maxTouchPoints: 5 })).toBe('ios-install');
    expect(pushSupport({ ...iphone, isStandalone: true, hasPushManager: true })).toBe('ready');
    // A real Mac (no touch screen) is not an iPad.
    expect(pushSupport({ ...desktop, userAgent: IPAD_AS_MAC, maxTouchPoints: 0 })).toBe('ready');
  });

  it('says when it cannot: not https, no push at all, blocked', () => {
    expect(pushSupport({ ...desktop, isSecureContext: false })).toBe('insecure');
    expect(pushSupport({ ...desktop, hasPushManager: false })).toBe('unsupported');
    expect(pushSupport({ ...desktop, permission: 'denied' })).toBe('denied');
  });
});

describe('a device’s default name', () => {
  it('names the kind of device from its user agent', () => {
    expect(defaultDeviceName(IPHONE, 5)).toBe('iPhone');
    expect(defaultDeviceName(IPAD_AS_MAC, 5)).toBe('iPad');
    expect(defaultDeviceName(IPAD_AS_MAC, 0)).toBe('Mac');
    expect(defaultDeviceName(PIXEL, 5)).toBe('Android phone');
    expect(defaultDeviceName(LINUX_CHROME, 0)).toBe('Linux computer');
    expect(defaultDeviceName(WINDOWS_FIREFOX, 0)).toBe('Windows PC');
  });

  it('adds the browser, then a number, when the name is taken', () => {
    expect(defaultDeviceName(WINDOWS_FIREFOX, 0, ['windows pc'])).toBe('Windows PC (Firefox)');
    expect(defaultDeviceName(WINDOWS_FIREFOX, 0, ['Windows PC', 'Windows PC (Firefox)'])).toBe('Windows PC (Firefox) 2');
  });
});

describe('this browser’s subscription', () => {
  it('decodes the VAPID key (base64url, no padding) into its 65 bytes', () => {
    const key = Buffer.alloc(65, 7);
    key[0] = 4;
    key[64] = 0xff;
    expect(Buffer.from(base64UrlToBytes(key.toString('base64url')))).toEqual(key);
  });

  it('is the device it subscribed as, only while it holds that same subscription', () => {
    const device = { id: 'd1', name: 'Laptop' } as PushDevice;
    const own = parseOwnDevice(JSON.stringify({ id: 'd1', endpoint: 'https://push.example/1' }));
    expect(findOwnDevice([device], own, 'https://push.example/1')).toBe(device);
    expect(findOwnDevice([device], own, 'https://push.example/2')).toBeNull();
    expect(findOwnDevice([device], own, null)).toBeNull();
    expect(findOwnDevice([], own, 'https://push.example/1')).toBeNull();
    expect(parseOwnDevice('{broken')).toBeNull();
    expect(parseOwnDevice(JSON.stringify({ id: 3 }))).toBeNull();
  });

  it('starts with every kind on and no quiet hours, in the browser’s time zone', () => {
    const preferences = initialPreferences('Europe/Berlin');
    expect(Object.values(preferences.kinds).every(Boolean)).toBe(true);
    expect(Object.keys(preferences.kinds)).toEqual(['approval', 'waiting', 'bell', 'finished', 'failed', 'long-command']);
    expect(preferences).toMatchObject({ quietHours: null, timeZone: 'Europe/Berlin' });
  });
});

describe('quiet hours', () => {
  it('take two times, overnight included, but not the same time twice', () => {
    expect(checkQuietHours('22:00', '07:00')).toEqual({ ok: true, value: { start: '22:00', end: '07:00' } });
    expect(checkQuietHours('22:00', '22:00').ok).toBe(false);
    expect(checkQuietHours('25:00', '07:00').ok).toBe(false);
    expect(checkQuietHours('', '07:00').ok).toBe(false);
  });

  it('read as words', () => {
    expect(describeQuietHours({ ...initialPreferences('Europe/Berlin'), quietHours: { start: '22:00', end: '07:00' } })).toBe('Quiet 22:00–07:00 (overnight), Europe/Berlin');
    expect(describeQuietHours(initialPreferences('UTC'))).toBe('No quiet hours');
  });
});
