// A long press on a terminal selects (issue 22 §2): the word under the finger, or a link whole even
// where it wraps onto the next rows (touch-selection.ts, DOM-free), with a handle at each end to drag
// and a bar offering Copy, and Open for a link. A tap elsewhere lets go of it; a tap on a link opens it.
import type { IBufferLine, Terminal } from '@xterm/xterm';
import { h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import { dragSelection, linkAt, LONG_PRESS_MS, LONG_PRESS_SLOP_PX, selectionAt, type CellRange } from './touch-selection.js';
import './touch-select.css';

export interface TouchSelectOptions {
  /** Opens a link as a click on it would. */
  openLink(uri: string): void;
}

/** The cells of a line as touch-selection.ts takes them: '' for the second cell of a wide character. */
function cellsOf(line: IBufferLine, cols: number): string[] {
  const cells: string[] = [];
  for (let x = 0; x < cols; x++) {
    const cell = line.getCell(x);
    cells.push(!cell || cell.getWidth() === 0 ? '' : cell.getChars() || ' ');
  }
  return cells;
}

/** Listens for long presses on the terminal's element; returns what undoes it. */
export function enableTouchSelect(term: Terminal, element: HTMLElement, options: TouchSelectOptions): () => void {
  /** The selection, in cells over the whole buffer (row × columns + column), end excluded. */
  let selection: { start: number; end: number } | null = null;
  let url: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let origin = { x: 0, y: 0 };
  /** The touch that selected: its end must not reach xterm as a click. */
  let pressed = false;

  const startHandle = h('span', { class: 'term-select-handle', 'data-end': 'start', 'aria-hidden': 'true' });
  const endHandle = h('span', { class: 'term-select-handle', 'data-end': 'end', 'aria-hidden': 'true' });
  const open = h('button', { type: 'button', class: 'term-button', onclick: () => openSelected() }, 'Open');
  const actions = h(
    'div',
    { class: 'term-select-actions', role: 'toolbar', 'aria-label': 'Selection' },
    h('button', { type: 'button', class: 'term-button', onclick: () => void copySelected() }, 'Copy'),
    open,
  );
  for (const part of [startHandle, endHandle, actions]) part.hidden = true;
  element.append(startHandle, endHandle, actions);

  const screen = () => term.element?.querySelector<HTMLElement>('.xterm-screen') ?? null;
  const cellSize = () => {
    const box = screen()?.getBoundingClientRect();
    return box && term.cols > 0 && term.rows > 0 ? { box, width: box.width / term.cols, height: box.height / term.rows } : null;
  };
  /** The cell under a point, over the whole buffer. */
  const cellAt = (x: number, y: number): number | null => {
    const size = cellSize();
    if (!size) return null;
    const col = Math.min(term.cols - 1, Math.max(0, Math.floor((x - size.box.left) / size.width)));
    const row = Math.min(term.rows - 1, Math.max(0, Math.floor((y - size.box.top) / size.height)));
    return (term.buffer.active.viewportY + row) * term.cols + col;
  };

  const render = () => {
    // Called on every scroll (a flood of output scrolls each frame): without a selection, no layout is read.
    if (selection === null && actions.hidden) return;
    const size = selection === null ? null : cellSize();
    const shown = selection !== null && size !== null;
    for (const part of [startHandle, endHandle, actions]) part.hidden = !shown;
    if (!selection || !size) return;
    const host = element.getBoundingClientRect();
    /** Puts a part at a corner of a cell: the top left, or (`after`) the bottom right. */
    const place = (part: HTMLElement, cell: number, after: boolean) => {
      const row = Math.floor(cell / term.cols) - term.buffer.active.viewportY;
      const col = cell % term.cols;
      part.style.left = `${size.box.left - host.left + (col + (after ? 1 : 0)) * size.width}px`;
      part.style.top = `${size.box.top - host.top + (row + (after ? 1 : 0)) * size.height}px`;
      return row;
    };
    place(startHandle, selection.start, false);
    place(endHandle, selection.end - 1, true);
    // The bar, centred (CSS), goes above the selection, or below it near the top of the screen.
    open.hidden = url === null;
    place(actions, selection.start, false);
    const below = parseFloat(actions.style.top) < actions.offsetHeight + 2 * size.height;
    if (below) place(actions, selection.end - 1, true);
    actions.dataset.below = String(below);
    actions.style.left = '';
  };

  const select = (range: { start: number; end: number }, link: string | null) => {
    selection = range;
    url = link;
    term.select(range.start % term.cols, Math.floor(range.start / term.cols), range.end - range.start);
    render();
  };

  const clear = () => {
    if (!selection) return;
    selection = null;
    url = null;
    term.clearSelection();
    render();
  };

  /** What is under a point, found in its whole logical line (the rows it wraps onto): `find` gets its cells and the cell. */
  const lookAt = <T>(x: number, y: number, find: (cells: string[], cell: number) => T | null): { first: number; found: T } | null => {
    const cell = cellAt(x, y);
    if (cell === null) return null;
    const buffer = term.buffer.active;
    let first = Math.floor(cell / term.cols);
    while (first > 0 && buffer.getLine(first)?.isWrapped) first--;
    const cells: string[] = [];
    let row = first;
    for (let line = buffer.getLine(row); line && (row === first || line.isWrapped); line = buffer.getLine(++row)) cells.push(...cellsOf(line, term.cols));
    const found = find(cells, cell - first * term.cols);
    return found === null ? null : { first: first * term.cols, found };
  };

  /** The long press: the link or word under the finger. */
  const pressAt = (x: number, y: number) => {
    const hit = lookAt<CellRange>(x, y, selectionAt);
    if (!hit) return;
    pressed = true;
    select({ start: hit.first + hit.found.start, end: hit.first + hit.found.end }, hit.found.url ?? null);
  };

  const copySelected = async () => {
    const text = term.getSelection();
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      toast('Copied.', 'success');
    } catch {
      toast('The browser did not allow copying here.', 'error');
    }
    clear();
    term.focus();
  };

  const openSelected = () => {
    if (url) options.openLink(url);
    clear();
  };

  const cancelTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const onStart = (event: TouchEvent) => {
    cancelTimer();
    pressed = false;
    if (event.touches.length !== 1) return;
    const target = event.target as Element;
    if (target.closest('.term-select-actions, .term-select-handle')) return;
    clear();
    const touch = event.touches[0]!;
    origin = { x: touch.clientX, y: touch.clientY };
    timer = setTimeout(() => {
      timer = null;
      pressAt(origin.x, origin.y);
    }, LONG_PRESS_MS);
  };
  const onMove = (event: TouchEvent) => {
    const touch = event.touches[0];
    if (!touch || !timer) return;
    if (Math.hypot(touch.clientX - origin.x, touch.clientY - origin.y) > LONG_PRESS_SLOP_PX) cancelTimer();
  };
  const onEnd = (event: TouchEvent) => {
    const tapped = timer !== null && event.touches.length === 0;
    cancelTimer();
    // The press selected: no click (xterm would take it for a mouse click and drop the selection).
    if (pressed && event.cancelable) event.preventDefault();
    pressed = false;
    if (!tapped) return;
    // A tap on a link opens it whole. Not left to xterm's link detection, which needs the pointer to
    // have rested on the link first: a tap's emulated mouse events come too fast for it at times.
    const link = lookAt(origin.x, origin.y, linkAt);
    if (!link?.found.url || !event.cancelable) return;
    event.preventDefault();
    options.openLink(link.found.url);
  };

  // Dragging a handle moves its end; the other end stays.
  const dragHandle = (handle: HTMLElement, end: 'start' | 'end') => {
    const onDrag = (event: TouchEvent) => {
      const touch = event.touches[0];
      if (!touch || !selection) return;
      event.preventDefault();
      event.stopPropagation();
      // The handles hang above the first cell and below the last: the finger on one points at its row.
      const reach = handle.getBoundingClientRect().height / 2 + (cellSize()?.height ?? 0) / 2;
      const cell = cellAt(touch.clientX, touch.clientY + (end === 'start' ? reach : -reach));
      if (cell !== null) select(dragSelection(selection, end, cell), null);
    };
    const stop = (event: Event) => event.stopPropagation();
    handle.addEventListener('touchstart', stop, { passive: true });
    handle.addEventListener('touchmove', onDrag, { passive: false });
    handle.addEventListener('touchend', stop, { passive: true });
  };
  dragHandle(startHandle, 'start');
  dragHandle(endHandle, 'end');

  // A long press also makes the browser open its context menu (Android) or callout: the selection is ours.
  const onContextMenu = (event: Event) => {
    if (timer || pressed) event.preventDefault();
  };
  element.addEventListener('touchstart', onStart, { passive: true });
  element.addEventListener('touchmove', onMove, { passive: true });
  element.addEventListener('touchend', onEnd, { passive: false });
  element.addEventListener('touchcancel', cancelTimer, { passive: true });
  element.addEventListener('contextmenu', onContextMenu, true);
  const scrolled = term.onScroll(render);
  const resized = term.onResize(clear);
  // xterm dropped the selection itself (a click, output over it): the handles go with it.
  const changed = term.onSelectionChange(() => {
    if (!selection || term.hasSelection()) return;
    selection = null;
    url = null;
    render();
  });
  return () => {
    cancelTimer();
    scrolled.dispose();
    resized.dispose();
    changed.dispose();
    element.removeEventListener('touchstart', onStart);
    element.removeEventListener('touchmove', onMove);
    element.removeEventListener('touchend', onEnd);
    element.removeEventListener('touchcancel', cancelTimer);
    element.removeEventListener('contextmenu', onContextMenu, true);
    startHandle.remove();
    endHandle.remove();
    actions.remove();
  };
}
