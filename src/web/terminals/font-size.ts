// The terminals' font size is kept per device (issue 16): A−, A+ and a pinch change this browser's
// size only, kept in its localStorage, so that a larger text on the desktop leaves the phone's
// columns alone. The owner's setting (GET /api/settings) is the size of a device that chose none.
// DOM-free: callers pass the storage (deviceStorage() in the browser, a stand-in in unit tests).
import { DEFAULT_FONT_SIZE, MAX_FONT_SIZE, MIN_FONT_SIZE } from '../../shared/settings.js';

/** The part of localStorage this needs; null where the browser refuses storage. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const STORAGE_KEY = 'shellport.terminals.fontSize';

export function clampFontSize(size: number): number {
  return Math.min(MAX_FONT_SIZE, Math.max(MIN_FONT_SIZE, Math.round(Number.isFinite(size) ? size : DEFAULT_FONT_SIZE)));
}

/** This browser's localStorage, or null where it is disabled (reading it can throw). */
export function deviceStorage(): KeyValueStorage | null {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

/** The size this device chose, or null when it chose none (or what is stored is not a size in range). */
export function deviceFontSize(storage: KeyValueStorage | null): number | null {
  let stored: string | null;
  try {
    stored = storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
  if (stored === null || !/^\d{1,3}$/.test(stored)) return null;
  const size = Number(stored);
  return size >= MIN_FONT_SIZE && size <= MAX_FONT_SIZE ? size : null;
}

/** The size this device's terminals use: its own, else the owner's setting. */
export function fontSizeForDevice(storage: KeyValueStorage | null, setting: number): number {
  return deviceFontSize(storage) ?? clampFontSize(setting);
}

/** Keeps `size` as this device's own (clamped); returns what was kept. */
export function rememberDeviceFontSize(storage: KeyValueStorage | null, size: number): number {
  const kept = clampFontSize(size);
  try {
    storage?.setItem(STORAGE_KEY, String(kept));
  } catch {
    // Full or disabled storage: the size holds until the page is left.
  }
  return kept;
}

/** This device follows the owner's setting again. */
export function forgetDeviceFontSize(storage: KeyValueStorage | null): void {
  try {
    storage?.removeItem(STORAGE_KEY);
  } catch {
    // Disabled storage: nothing was kept.
  }
}
