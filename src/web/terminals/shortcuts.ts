// The keyboard shortcuts of the terminals screen, in one table: the key handlers match keys
// against it (matchShortcut) and the "Keyboard shortcuts" sheet is drawn from it, so the two agree.
import { h } from '../app/dom.js';

/** Ctrl+C/V copy and paste where that is the platform's habit; on macOS Cmd does, and Ctrl stays the terminal's. */
export const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

/** Where the focus must be for a shortcut to apply. */
type Where = 'terminal' | 'search' | 'tabs';

/** Keys the screen acts on, in a terminal and elsewhere on the screen. */
export type ScreenAction = 'new-terminal' | 'next-tab' | 'previous-tab' | 'tab-list' | 'previous-pane' | 'next-pane' | 'shortcuts';
/** Keys the terminal acts on itself. */
export type TerminalAction = ScreenAction | 'find' | 'copy' | 'paste';
export type TabListAction = 'focus-previous-tab' | 'focus-next-tab' | 'focus-first-tab' | 'focus-last-tab' | 'close-tab';
export type SearchAction = 'newer-match' | 'close-search';
interface Actions {
  terminal: TerminalAction;
  search: SearchAction;
  tabs: TabListAction;
}

/** Terminal state a key depends on (see Chord). */
type Condition = 'normal-screen' | 'selection';
export type ShortcutState = Partial<Record<Condition, boolean>>;

/**
 * "Ctrl+Shift+F": modifiers (Ctrl, Shift, Alt, Cmd), then a letter (matched on Latin and other
 * layouts alike), a KeyboardEvent.key name (ArrowUp, PageDown, Enter) or a physical key's
 * KeyboardEvent.code (Backquote, Slash: Shift changes their character, and layouts move it).
 * With `when`, the key is the app's only in that state and stays the program's otherwise.
 */
type Chord = string | { chord: string; when: Condition };

/** An entry without an action is handled elsewhere (the browser, the ended terminal, a form) and only listed. */
type Shortcut = {
  [W in Where]: { where: W; action?: Actions[W]; keys: Chord[]; mac?: Chord[]; does: string };
}[Where];

const SHORTCUTS: readonly Shortcut[] = [
  { where: 'terminal', action: 'new-terminal', keys: ['Ctrl+Shift+Backquote'], does: 'New terminal' },
  { where: 'terminal', action: 'next-tab', keys: ['Ctrl+Shift+PageDown'], does: 'Next tab' },
  { where: 'terminal', action: 'previous-tab', keys: ['Ctrl+Shift+PageUp'], does: 'Previous tab' },
  { where: 'terminal', action: 'tab-list', keys: ['Ctrl+Shift+ArrowUp'], does: 'Go to the tab list' },
  { where: 'terminal', action: 'previous-pane', keys: ['Ctrl+Shift+ArrowLeft'], does: 'Split: the left or upper pane' },
  { where: 'terminal', action: 'next-pane', keys: ['Ctrl+Shift+ArrowRight'], does: 'Split: the right or lower pane' },
  // Ctrl+F pages forward in full-screen programs (less, vim, man); on a Mac it is the shell's "forward a character".
  { where: 'terminal', action: 'find', keys: [{ chord: 'Ctrl+F', when: 'normal-screen' }, 'Ctrl+Shift+F'], mac: ['Cmd+F', 'Ctrl+Shift+F'], does: 'Find' },
  { where: 'terminal', action: 'copy', keys: ['Ctrl+Shift+C', { chord: 'Ctrl+C', when: 'selection' }], mac: ['Cmd+C', 'Ctrl+Shift+C'], does: 'Copy the selection' },
  { where: 'terminal', action: 'paste', keys: ['Ctrl+V', 'Ctrl+Shift+V'], mac: ['Cmd+V', 'Ctrl+Shift+V'], does: 'Paste' },
  { where: 'terminal', keys: ['Enter'], does: 'Start an ended terminal again' },
  { where: 'terminal', action: 'shortcuts', keys: ['Ctrl+Shift+Slash'], does: 'Keyboard shortcuts' },
  { where: 'search', keys: ['Enter'], does: 'Older match (search starts at the newest)' },
  { where: 'search', action: 'newer-match', keys: ['Shift+Enter'], does: 'Newer match' },
  { where: 'search', action: 'close-search', keys: ['Escape'], does: 'Close the search' },
  { where: 'tabs', action: 'focus-previous-tab', keys: ['ArrowLeft'], does: 'Previous tab' },
  { where: 'tabs', action: 'focus-next-tab', keys: ['ArrowRight'], does: 'Next tab' },
  { where: 'tabs', action: 'focus-first-tab', keys: ['Home'], does: 'First tab' },
  { where: 'tabs', action: 'focus-last-tab', keys: ['End'], does: 'Last tab' },
  { where: 'tabs', keys: ['Enter', 'Space'], does: 'Show the tab’s terminal' },
  { where: 'tabs', action: 'close-tab', keys: ['Delete'], does: 'Close the tab' },
];

const SECTIONS: Record<Where, string> = { terminal: 'In a terminal', search: 'In the search box', tabs: 'In the tab list' };
const KEY_NAMES: Record<string, string> = { ArrowUp: '↑', ArrowLeft: '←', ArrowRight: '→', Backquote: '`', Slash: '/' };
const CONDITION_NOTES: Record<Condition, string> = {
  'normal-screen': 'not in full-screen programs such as less and vim, which keep it',
  selection: 'with a selection; without one it interrupts',
};

const chordsOf = (shortcut: Shortcut): Chord[] => (isMac ? (shortcut.mac ?? shortcut.keys) : shortcut.keys);
const chordText = (chord: Chord): string => (typeof chord === 'string' ? chord : chord.chord);

/** The action a key press asks for where the focus is, if any. */
export function matchShortcut<W extends Where>(event: KeyboardEvent, where: W, state: ShortcutState = {}): Actions[W] | undefined {
  const shortcut = SHORTCUTS.find(
    (entry) => entry.where === where && entry.action && chordsOf(entry).some((chord) => (typeof chord === 'string' || state[chord.when]) && isPressed(chordText(chord), event)),
  );
  return shortcut?.action as Actions[W] | undefined;
}

/** How to say the keys of an action in a tooltip: "Ctrl+F or Ctrl+Shift+F". */
export function keysFor(action: TerminalAction): string {
  const shortcut = SHORTCUTS.find((entry) => entry.action === action);
  return shortcut ? chordsOf(shortcut).map((chord) => label(chordText(chord))).join(' or ') : '';
}

/** The sheet's content: a list of keys and what they do for each place the focus can be. */
export function shortcutSheet(): HTMLElement[] {
  return (Object.keys(SECTIONS) as Where[]).map((where) => {
    const list = h('dl');
    for (const shortcut of SHORTCUTS) {
      const chords = shortcut.where === where ? chordsOf(shortcut) : [];
      if (chords.length === 0) continue;
      const keys = h('dt', {}, chords.map((chord, index) => [index > 0 ? ' or ' : null, h('kbd', {}, label(chordText(chord)))]).flat());
      const notes = chords.flatMap((chord) => (typeof chord === 'string' ? [] : [`${label(chord.chord)}: ${CONDITION_NOTES[chord.when]}`]));
      list.append(keys, h('dd', {}, notes.length > 0 ? `${shortcut.does} (${notes.join('; ')})` : shortcut.does));
    }
    return h('section', {}, h('h3', {}, SECTIONS[where]), list);
  });
}

function isPressed(chord: string, event: KeyboardEvent): boolean {
  const modifiers = chord.split('+');
  const key = modifiers.pop()!;
  if (event.ctrlKey !== modifiers.includes('Ctrl') || event.shiftKey !== modifiers.includes('Shift')) return false;
  if (event.altKey !== modifiers.includes('Alt') || event.metaKey !== modifiers.includes('Cmd')) return false;
  return key.length === 1 ? shortcutLetter(event) === key.toLowerCase() : event.key === key || event.code === key;
}

function label(chord: string): string {
  const modifiers = chord.split('+');
  const key = modifiers.pop()!;
  return [...modifiers, KEY_NAMES[key] ?? key].join('+');
}

/**
 * The letter a shortcut names: the key's own letter on Latin layouts (Dvorak's F is where it is
 * printed), the physical key's on others (Ctrl+F on a Russian layout types "а").
 */
function shortcutLetter(event: KeyboardEvent): string {
  const key = event.key.toLowerCase();
  if (/^[a-z]$/.test(key) || !/^Key[A-Z]$/.test(event.code)) return key;
  return event.code.slice(3).toLowerCase();
}
