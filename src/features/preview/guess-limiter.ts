import type { Clock } from '../../infra/clock.js';
import { addressGroup } from '../auth/client-address.js';

export interface GuessLimiter {
  /** Whether this address has used up its bad guesses for now; with the seconds until it may try again. */
  blocked(ip: string): { retryAfterSeconds: number } | null;
  /** Counts a bad guess from this address. */
  record(ip: string): void;
}

/**
 * Bad preview capabilities (forged, or issued for another port) per client address (IPv6: per /64)
 * in fixed windows. A capability is 128 bits of MAC, so guessing is hopeless anyway; the limit keeps
 * a script from trying at the proxy's expense and marks it in the log. At most `maxAddresses` are
 * remembered: when full, the oldest window is forgotten first.
 */
export function createGuessLimiter({ clock, max, windowMs, maxAddresses = 10_000 }: { clock: Clock; max: number; windowMs: number; maxAddresses?: number }): GuessLimiter {
  const windows = new Map<string, { startedAt: number; count: number }>();
  const current = (ip: string) => {
    const key = addressGroup(ip);
    const now = clock.now().getTime();
    const window = windows.get(key);
    if (window && now - window.startedAt < windowMs) return { key, window, now };
    if (window) windows.delete(key);
    return { key, window: null, now };
  };
  return {
    blocked(ip) {
      const { window, now } = current(ip);
      if (!window || window.count < max) return null;
      return { retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000)) };
    },
    record(ip) {
      const { key, window, now } = current(ip);
      if (window) {
        window.count++;
        return;
      }
      if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value!);
      windows.set(key, { startedAt: now, count: 1 });
    },
  };
}
