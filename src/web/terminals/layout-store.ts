// Per-browser memory of the terminals screen: a client id in localStorage and, per workspace, the
// open tabs and panes, restored on reload as far as the server still has the terminals.

import type { SplitDirection, TerminalLayout } from './layout-model.js';

export type { SplitDirection, TerminalLayout } from './layout-model.js';

const CLIENT_ID_KEY = 'shellport.clientId';

export { emptyLayout } from './layout-model.js';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // disabled storage: nothing is remembered
  }
}

/** A random id. crypto.randomUUID() exists only in secure contexts (https, localhost); plain http on a LAN has getRandomValues. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** This browser's id, created on first use. */
export function clientId(): string {
  const store = storage();
  const existing = store?.getItem(CLIENT_ID_KEY);
  if (existing && /^[\w-]{8,64}$/.test(existing)) return existing;
  const id = randomId();
  store?.setItem(CLIENT_ID_KEY, id);
  return id;
}

function layoutKey(workspaceId: string | null): string {
  return `shellport.terminals.${clientId()}.${workspaceId ?? '~home'}`;
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 64;

export function loadLayout(workspaceId: string | null): TerminalLayout | null {
  const raw = storage()?.getItem(layoutKey(workspaceId));
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<TerminalLayout>;
    const tabs = Array.isArray(value.tabs) ? [...new Set(value.tabs.filter(isId))].slice(0, 50) : [];
    const panes = Array.isArray(value.panes) ? value.panes : [];
    const pane = (index: number) => (isId(panes[index]) && tabs.includes(panes[index] as string) ? (panes[index] as string) : null);
    const split: SplitDirection = value.split === 'row' || value.split === 'column' ? value.split : 'none';
    return { tabs, panes: [pane(0), pane(1)], split, focused: value.focused === 1 ? 1 : 0 };
  } catch {
    return null;
  }
}

export function saveLayout(workspaceId: string | null, layout: TerminalLayout): void {
  try {
    storage()?.setItem(layoutKey(workspaceId), JSON.stringify(layout));
  } catch {
    // Full or disabled storage: the layout is simply not remembered.
  }
}
