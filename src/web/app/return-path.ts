// Where to go after signing in (issue 20): a notification opens /terminals/…; signed out, the app shows
// the sign-in screen, and the sign-in ends on `/` (the server's redirect after GitHub, the device flow,
// the start-up link). The path asked for is kept in this tab's sessionStorage meanwhile, and `/` goes
// there instead of the home screen. DOM-free: the storage is passed in.

const KEY = 'shellport.afterSignIn';
/** A sign-in takes minutes at most; a path kept longer than this is forgotten, not followed. */
export const RETURN_PATH_TTL_MS = 15 * 60_000;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Pages not worth coming back to: the home itself and the sign-in screen. */
const isWorthReturningTo = (path: string) => path.startsWith('/') && !path.startsWith('//') && !/^\/(sign-in)?(\?|#|$)/.test(path);

/** Remembers the page a signed-out visitor asked for (path with its query). */
export function rememberReturnPath(storage: Store | null, path: string, now: number): void {
  if (!storage || !isWorthReturningTo(path)) return;
  try {
    storage.setItem(KEY, JSON.stringify({ path, at: now }));
  } catch {
    // Storage full or refused (private mode): the sign-in ends on the home screen, as before.
  }
}

/** The remembered page, once (it is removed), if it is recent enough. */
export function takeReturnPath(storage: Store | null, now: number): string | null {
  if (!storage) return null;
  let stored: string | null = null;
  try {
    stored = storage.getItem(KEY);
    storage.removeItem(KEY);
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(stored ?? 'null') as { path?: unknown; at?: unknown } | null;
    if (!value || typeof value.path !== 'string' || typeof value.at !== 'number') return null;
    if (now - value.at > RETURN_PATH_TTL_MS || now < value.at) return null;
    return isWorthReturningTo(value.path) ? value.path : null;
  } catch {
    return null;
  }
}

export function forgetReturnPath(storage: Store | null): void {
  try {
    storage?.removeItem(KEY);
  } catch {
    // Nothing kept, nothing to forget.
  }
}

/** This tab's sessionStorage, or null where the browser refuses it. */
export function sessionStore(): Store | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
