import { h } from './dom.js';

export type ToastKind = 'info' | 'success' | 'error';

let region: HTMLElement | null = null;

function ensureRegion(): HTMLElement {
  if (region && region.isConnected) return region;
  region = h('div', { class: 'toasts', 'aria-label': 'Notifications' });
  document.body.appendChild(region);
  return region;
}

function buildToast(message: string, kind: ToastKind, key: string | undefined): HTMLElement {
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss notification' }, '×');
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, message), close);
  if (key !== undefined) item.dataset.key = key;
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  if (kind !== 'error') window.setTimeout(remove, 5000);
  return item;
}

function findToast(key: string): HTMLElement | null {
  return [...ensureRegion().children].find((item): item is HTMLElement => item instanceof HTMLElement && item.dataset.key === key) ?? null;
}

/**
 * Shows a short message; errors stay until dismissed, others fade after a few seconds. A `key` names
 * the toast so that a later `updateToast` can settle it (e.g. "Cloning x…" becomes "Cloned x.").
 */
export function toast(message: string, kind: ToastKind = 'info', key?: string): HTMLElement {
  const item = buildToast(message, kind, key);
  const earlier = key === undefined ? null : findToast(key);
  if (earlier) earlier.replaceWith(item);
  else ensureRegion().appendChild(item);
  return item;
}

/** Replaces the toast shown under `key` with a new message, or removes it (null); nothing if it has gone. */
export function updateToast(key: string, message: string | null, kind: ToastKind = 'info'): void {
  const earlier = findToast(key);
  if (!earlier) return;
  if (message === null) earlier.remove();
  else earlier.replaceWith(buildToast(message, kind, key));
}
