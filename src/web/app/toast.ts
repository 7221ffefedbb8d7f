import { h } from './dom.js';

export type ToastKind = 'info' | 'success' | 'error';

/** How long a toast stays: errors long enough to read twice; each stays while hovered or focused. */
const TOAST_DURATION_MS: Record<ToastKind, number> = { info: 5000, success: 5000, error: 12_000 };
/** Older toasts make way beyond this many, so that a burst of messages cannot cover the page. */
const MAX_TOASTS = 3;

let region: HTMLElement | null = null;

function ensureRegion(): HTMLElement {
  if (region && region.isConnected) return region;
  region = h('div', { class: 'toasts', 'aria-label': 'Notifications' });
  document.body.appendChild(region);
  new ResizeObserver(reserveRoom).observe(region);
  return region;
}

/**
 * Tells the page how much of the window's bottom the toasts cover (--toasts-room): screens keep that much
 * room below their last control (base.css), so that every control can be scrolled clear of the toasts.
 */
function reserveRoom(): void {
  const room = region && region.childElementCount > 0 ? window.innerHeight - region.getBoundingClientRect().top : 0;
  document.documentElement.style.setProperty('--toasts-room', `${Math.max(0, Math.ceil(room))}px`);
}

/** Space between the toasts and a control they make way for. */
const CLEARANCE_PX = 8;

/** The control in use (the focused one, e.g. the button whose action the toast reports) is scrolled clear of the toasts. */
function uncoverFocus(toasts: HTMLElement): void {
  const control = document.activeElement;
  if (!(control instanceof HTMLElement) || control === document.body || toasts.contains(control) || control.closest('dialog')) return;
  const box = control.getBoundingClientRect();
  const area = toasts.getBoundingClientRect();
  const overlap = box.bottom - (area.top - CLEARANCE_PX);
  if (overlap > 0 && box.top < area.bottom && box.right > area.left && box.left < area.right) window.scrollBy({ top: overlap, behavior: 'instant' });
}

/** Removes the toast after its time, counting only while the pointer and focus are elsewhere. */
function dismissLater(item: HTMLElement, kind: ToastKind): void {
  let timer = 0;
  const start = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => item.remove(), TOAST_DURATION_MS[kind]);
  };
  const pause = () => window.clearTimeout(timer);
  item.addEventListener('mouseenter', pause);
  item.addEventListener('mouseleave', () => {
    if (!item.contains(document.activeElement)) start();
  });
  item.addEventListener('focusin', pause);
  item.addEventListener('focusout', (event) => {
    if (!item.contains(event.relatedTarget as Node | null) && !item.matches(':hover')) start();
  });
  start();
}

/** A keyed info toast reports work in progress ("Cloning x…"): it stays until `updateToast` settles it. */
const isProgress = (kind: ToastKind, key: string | undefined) => kind === 'info' && key !== undefined;

function buildToast(message: string, kind: ToastKind, key: string | undefined): HTMLElement {
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss notification' }, '×');
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, message), close);
  item.dataset.kind = kind;
  if (key !== undefined) item.dataset.key = key;
  close.addEventListener('click', () => item.remove());
  if (isProgress(kind, key)) item.dataset.progress = 'true';
  else dismissLater(item, kind);
  return item;
}

function toastsShown(): HTMLElement[] {
  return [...ensureRegion().children].filter((item): item is HTMLElement => item instanceof HTMLElement);
}

function findToast(key: string): HTMLElement | null {
  return toastsShown().find((item) => item.dataset.key === key) ?? null;
}

/** The unkeyed toast already saying exactly this, which a repeat replaces instead of stacking. */
function findSameToast(message: string, kind: ToastKind): HTMLElement | null {
  return toastsShown().find((item) => item.dataset.key === undefined && item.dataset.kind === kind && item.querySelector('p')?.textContent === message) ?? null;
}

/** Makes room for one more, oldest first, keeping work in progress while other toasts can go. */
function makeRoom(): void {
  const shown = toastsShown();
  const excess = shown.length - MAX_TOASTS + 1;
  if (excess <= 0) return;
  const byUrgency = [...shown.filter((item) => !item.dataset.progress), ...shown.filter((item) => item.dataset.progress)];
  for (const item of byUrgency.slice(0, excess)) item.remove();
}

/**
 * Shows a short message that goes by itself after a few seconds (errors stay longer); a repeat of a
 * message still shown replaces it, as the newest. A `key` names the toast so that a later `updateToast`
 * can settle it (e.g. "Cloning x…" becomes "Cloned x."); a keyed info toast stays until then, however
 * long the work takes (or until dismissed).
 */
export function toast(message: string, kind: ToastKind = 'info', key?: string): HTMLElement {
  const item = buildToast(message, kind, key);
  const earlier = key === undefined ? findSameToast(message, kind) : findToast(key);
  if (earlier && key !== undefined) {
    earlier.replaceWith(item);
    return item;
  }
  earlier?.remove();
  makeRoom();
  const toasts = ensureRegion();
  toasts.appendChild(item);
  reserveRoom();
  uncoverFocus(toasts);
  return item;
}

/** Replaces the toast shown under `key` with a new message, or removes it (null); nothing if it has gone. */
export function updateToast(key: string, message: string | null, kind: ToastKind = 'info'): void {
  const earlier = findToast(key);
  if (!earlier) return;
  if (message === null) earlier.remove();
  else earlier.replaceWith(buildToast(message, kind, key));
}
