// On the home terminals screen, which shows only home-directory shells: the workspaces that have
// terminals running, with how many, each a link to its terminals. Hidden while there are none.
import type { TerminalInfo } from '../../shared/terminals.js';
import { h } from '../app/dom.js';

/** Workspace names by id (the terminal protocol knows only ids). */
export type WorkspaceNames = () => Promise<ReadonlyMap<string, string>>;

const TITLE = 'Also running in workspaces';

export class ElsewhereMenu {
  readonly element: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly list: HTMLElement;
  /** Running workspace terminals: terminal id → workspace id. */
  private readonly running = new Map<string, string>();
  private names: ReadonlyMap<string, string> = new Map();
  /** Workspaces whose names were asked for already: one that stays unknown is not asked for again and again. */
  private readonly askedFor = new Set<string>();
  private readonly lookUpNames: WorkspaceNames | undefined;
  private readonly onOutsidePointer = (event: PointerEvent) => {
    if (!this.element.contains(event.target as Node)) this.element.open = false;
  };

  constructor(lookUpNames?: WorkspaceNames) {
    this.lookUpNames = lookUpNames;
    this.summary = h('summary');
    this.list = h('ul');
    this.element = h(
      'details',
      { class: 'term-elsewhere', hidden: true, onkeydown: (event: KeyboardEvent) => this.closeOnEscape(event) },
      this.summary,
      h('nav', { class: 'term-elsewhere-popup', 'aria-label': TITLE }, h('p', { class: 'term-elsewhere-title' }, TITLE), this.list),
    );
    // Captured: the terminal keeps pointer events on it to itself.
    document.addEventListener('pointerdown', this.onOutsidePointer, true);
  }

  /** Replaces what is known with a full list of terminals (any status, any place). */
  reset(terminals: TerminalInfo[]): void {
    this.running.clear();
    for (const terminal of terminals) this.note(terminal);
    this.render();
  }

  /** One terminal changed (started, ended, renamed). */
  update(terminal: TerminalInfo): void {
    const before = this.running.get(terminal.id);
    this.note(terminal);
    if (this.running.get(terminal.id) !== before) this.render();
  }

  dispose(): void {
    document.removeEventListener('pointerdown', this.onOutsidePointer, true);
  }

  private note(terminal: TerminalInfo): void {
    if (terminal.workspaceId && terminal.status === 'active') this.running.set(terminal.id, terminal.workspaceId);
    else this.running.delete(terminal.id);
  }

  private render(): void {
    const counts = new Map<string, number>();
    for (const workspaceId of this.running.values()) counts.set(workspaceId, (counts.get(workspaceId) ?? 0) + 1);
    this.element.hidden = counts.size === 0;
    if (counts.size === 0) this.element.open = false;
    const total = this.running.size;
    // A phone shows the count alone (terminals.css); the words stay for screen readers.
    this.summary.replaceChildren(String(total), h('span', { class: 'term-elsewhere-words' }, ' in workspaces'));
    this.summary.title = `${TITLE}: ${terminalCount(total)}`;
    const entries = [...counts].map(([id, count]) => ({ id, count, name: this.names.get(id) ?? id }));
    entries.sort((a, b) => a.name.localeCompare(b.name));
    this.list.replaceChildren(...entries.map((entry) => workspaceLink(entry)));
    const unnamed = [...counts.keys()].filter((id) => !this.names.has(id) && !this.askedFor.has(id));
    if (unnamed.length > 0) void this.loadNames(unnamed);
  }

  private async loadNames(ids: string[]): Promise<void> {
    if (!this.lookUpNames) return;
    for (const id of ids) this.askedFor.add(id);
    try {
      // Merged: an older answer arriving last must not forget names a newer one brought.
      this.names = new Map([...this.names, ...(await this.lookUpNames())]);
    } catch {
      return; // the links work with ids for names
    }
    this.render();
  }

  private closeOnEscape(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this.element.open) return;
    event.preventDefault();
    this.element.open = false;
    this.summary.focus();
  }
}

function workspaceLink({ id, name, count }: { id: string; name: string; count: number }): HTMLElement {
  const label = h('span', { class: 'term-elsewhere-name' }, name);
  const number = h('span', { class: 'term-elsewhere-count' }, terminalCount(count));
  return h('li', {}, h('a', { href: `/terminals/${encodeURIComponent(id)}` }, label, ' ', number));
}

function terminalCount(count: number): string {
  return count === 1 ? '1 terminal' : `${count} terminals`;
}
