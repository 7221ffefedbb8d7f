// The count of pending approvals beside "Approvals" in the navigation (issue 20): asked while the page
// is visible, every POLL_MS and when it becomes visible again; the screens that list approvals (the
// inbox, the dashboard) tell it the count they just saw.
import type { ApprovalsResponse } from '../../shared/attention.js';
import { countPending } from '../screens/attention-text.js';
import { api, ApiError } from './api.js';
import { h } from './dom.js';

const POLL_MS = 20_000;

export interface ApprovalsBadge {
  /** The element to put inside the navigation's link. */
  element: HTMLElement;
  set(count: number): void;
  /** Starts asking (once signed in); idempotent. */
  start(): void;
  stop(): void;
}

export function createApprovalsBadge(): ApprovalsBadge {
  const number = h('span', { class: 'nav-count-number' });
  // The words are for screen readers ("Approvals, 2 waiting"); the number is what shows.
  const element = h('span', { class: 'nav-count', hidden: true }, number, h('span', { class: 'visually-hidden' }, ' waiting'));
  let timer = 0;
  let running = false;
  let inFlight = false;

  const set = (count: number) => {
    number.textContent = count > 99 ? '99+' : String(count);
    element.hidden = count === 0;
  };
  const ask = async () => {
    if (!running || inFlight || document.visibilityState !== 'visible') return;
    inFlight = true;
    try {
      set(countPending((await api<ApprovalsResponse>('/api/approvals', { allowUnauthorized: true })).approvals));
    } catch (error) {
      // Signed out (the screens deal with that) or a server without approvals: stop asking.
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) stop();
    } finally {
      inFlight = false;
    }
  };
  const onVisibility = () => void ask();
  const stop = () => {
    running = false;
    window.clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
  return {
    element,
    set,
    start() {
      if (running) return;
      running = true;
      timer = window.setInterval(() => void ask(), POLL_MS);
      document.addEventListener('visibilitychange', onVisibility);
      void ask();
    },
    stop,
  };
}
