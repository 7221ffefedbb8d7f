// The terminals screen's layout as a value: tabs, the one or two panes showing them, the split and
// the focused pane. Every change is a small named operation that returns a new, valid layout (never
// an edit in place repaired afterwards). DOM-free: screen.ts renders it, layout-store.ts keeps it.
export type SplitDirection = 'none' | 'row' | 'column';
export type PaneSlot = 0 | 1;

export interface TerminalLayout {
  tabs: string[];
  /** Terminal shown in each pane; pane 1 is used only when split. */
  panes: [string | null, string | null];
  split: SplitDirection;
  focused: PaneSlot;
}

export function emptyLayout(): TerminalLayout {
  return { tabs: [], panes: [null, null], split: 'none', focused: 0 };
}

/**
 * The rules every layout keeps: pane 0 shows a tab whenever there is one; pane 1 is used only when
 * split, shows another tab than pane 0, and without a second tab there is no split; the focused pane
 * shows something.
 */
export function validLayout(layout: TerminalLayout): TerminalLayout {
  const tabs = [...new Set(layout.tabs)];
  let [first, second] = layout.panes;
  let { split, focused } = layout;
  if (second && !tabs.includes(second)) second = null;
  if (!first || !tabs.includes(first)) first = tabs.find((id) => id !== second) ?? null;
  if (second === first) second = null;
  if (!first && second) {
    first = second;
    second = null;
    focused = 0;
  }
  if (split !== 'none' && !second) {
    second = tabs.find((id) => id !== first) ?? null;
    if (!second) split = 'none';
  }
  if (split === 'none') {
    if (focused === 1 && second) first = second;
    second = null;
    focused = 0;
  }
  if (!(focused === 0 ? first : second)) focused = 0;
  return { tabs, panes: [first, second], split, focused };
}

/** The tab in the focused pane. */
export function focusedTab(layout: TerminalLayout): string | null {
  return layout.panes[layout.focused] ?? layout.panes[0];
}

/** A new terminal's tab, shown in `pane` and focused; `split` splits the screen for it. */
export function openTab(layout: TerminalLayout, id: string, pane: PaneSlot, split?: Exclude<SplitDirection, 'none'>): TerminalLayout {
  const panes: TerminalLayout['panes'] = [...layout.panes];
  panes[pane] = id;
  return validLayout({ tabs: [...layout.tabs.filter((tab) => tab !== id), id], panes, split: split ?? layout.split, focused: pane });
}

/** Shows a tab: focuses the pane already showing it, else shows it in the focused pane. */
export function selectTab(layout: TerminalLayout, id: string): TerminalLayout {
  if (!layout.tabs.includes(id)) return layout;
  const other: PaneSlot = layout.focused === 0 ? 1 : 0;
  if (layout.split !== 'none' && layout.panes[other] === id) return validLayout({ ...layout, focused: other });
  const panes: TerminalLayout['panes'] = [...layout.panes];
  panes[layout.focused] = id;
  return validLayout({ ...layout, panes });
}

/** The tab `step` places after (or before, negative) the focused one, wrapping around; null without tabs. */
export function neighbourTab(layout: TerminalLayout, step: number): string | null {
  const { tabs } = layout;
  if (tabs.length === 0) return null;
  const current = tabs.indexOf(focusedTab(layout) ?? '');
  return tabs[(((current + step) % tabs.length) + tabs.length) % tabs.length] ?? null;
}

/** Marks a pane as the focused one (when it shows something). */
export function focusPane(layout: TerminalLayout, slot: PaneSlot): TerminalLayout {
  if (layout.focused === slot || !layout.panes[slot]) return layout;
  return validLayout({ ...layout, focused: slot });
}

/** Turns a split screen the other way; nothing when not split. */
export function turnSplit(layout: TerminalLayout, direction: Exclude<SplitDirection, 'none'>): TerminalLayout {
  return layout.split === 'none' ? layout : validLayout({ ...layout, split: direction });
}

/** One pane again, showing the focused tab. */
export function unsplit(layout: TerminalLayout): TerminalLayout {
  return validLayout({ ...layout, split: 'none', panes: [focusedTab(layout), null], focused: 0 });
}

/** Removes a tab; a pane that showed it shows the tab before it (or the next), never the other pane's. */
export function closeTab(layout: TerminalLayout, id: string): TerminalLayout {
  const index = layout.tabs.indexOf(id);
  if (index < 0) return layout;
  const tabs = layout.tabs.filter((tab) => tab !== id);
  const panes: TerminalLayout['panes'] = [...layout.panes];
  for (const pane of [0, 1] as const) {
    if (panes[pane] !== id) continue;
    const shown = panes[pane === 0 ? 1 : 0];
    const candidates = tabs.filter((tab) => tab !== shown);
    panes[pane] = candidates[Math.min(Math.max(index - 1, 0), candidates.length - 1)] ?? null;
  }
  return validLayout({ ...layout, tabs, panes });
}

/** A terminal started again in place of an ended one: same tab position, same pane. */
export function replaceTab(layout: TerminalLayout, oldId: string, newId: string): TerminalLayout {
  const swap = (id: string | null) => (id === oldId ? newId : id);
  return validLayout({ ...layout, tabs: layout.tabs.map((id) => swap(id)!), panes: [swap(layout.panes[0]), swap(layout.panes[1])] });
}

/** Appends a tab without showing it (a terminal started for a tab closed meanwhile). */
export function addTab(layout: TerminalLayout, id: string): TerminalLayout {
  return layout.tabs.includes(id) ? layout : validLayout({ ...layout, tabs: [...layout.tabs, id] });
}

/**
 * What to open on arrival: the saved layout as far as the server still has its terminals, the one
 * asked for (`wanted`) shown in the focused pane, else (nothing saved) up to `autoOpen` running ones.
 */
export function restoreLayout(
  saved: TerminalLayout | null,
  available: ReadonlyArray<{ id: string; running: boolean }>,
  options: { wanted?: string; autoOpen: number },
): TerminalLayout {
  const known = new Set(available.map((terminal) => terminal.id));
  let layout = emptyLayout();
  if (saved) {
    const keep = (id: string | null) => (id && known.has(id) ? id : null);
    layout = { tabs: saved.tabs.filter((id) => known.has(id)), panes: [keep(saved.panes[0]), keep(saved.panes[1])], split: saved.split, focused: saved.focused };
  }
  if (options.wanted && known.has(options.wanted)) {
    const tabs = layout.tabs.includes(options.wanted) ? layout.tabs : [...layout.tabs, options.wanted];
    layout = selectTab(validLayout({ ...layout, tabs }), options.wanted);
  } else if (layout.tabs.length === 0 && !saved) {
    const running = available.filter((terminal) => terminal.running).slice(0, options.autoOpen).reverse();
    layout = { ...layout, tabs: running.map((terminal) => terminal.id) };
  }
  return validLayout(layout);
}
