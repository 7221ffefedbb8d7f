import { h } from './dom.js';

export type ToastKind = 'info' | 'success' | 'error';

let region: HTMLElement | null = null;

function ensureRegion(): HTMLElement {
  if (region && region.isConnected) return region;
  region = h('div', { class: 'toasts', 'aria-label': 'Notifications' });
  document.body.appendChild(region);
  return region;
}

/** Shows a short message; errors stay until dismissed, others fade after a few seconds. */
export function toast(message: string, kind: ToastKind = 'info'): HTMLElement {
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss notification' }, '×');
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, message), close);
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  ensureRegion().appendChild(item);
  if (kind !== 'error') window.setTimeout(remove, 5000);
  return item;
}
