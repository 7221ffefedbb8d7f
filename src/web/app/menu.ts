// A menu button: the WAI-ARIA "menu button" pattern (https://www.w3.org/WAI/ARIA/apg/patterns/menu-button/).
import { h, uid } from './dom.js';

/**
 * Wraps `items` (buttons with their own click listeners; `null` draws a separator) in a menu opened by a
 * button labelled `label`. The menu closes and gives the focus back to its button before an item's own
 * listener runs, so an item may move the focus on (into a panel, a dialog). A button marked
 * aria-disabled (busy) does not open.
 */
export function menuButton(label: string, items: (HTMLButtonElement | null)[]): { element: HTMLElement; button: HTMLButtonElement } {
  const menuId = uid('menu');
  const button = h('button', { type: 'button', class: 'menu-button', id: `${menuId}-button`, 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': menuId }, label, h('span', { 'aria-hidden': 'true', class: 'menu-caret' }, '▾'));
  const entries = items.filter((item): item is HTMLButtonElement => item !== null);
  for (const item of entries) {
    item.setAttribute('role', 'menuitem');
    item.tabIndex = -1;
  }
  const menu = h('div', { role: 'menu', id: menuId, class: 'menu', 'aria-labelledby': button.id, hidden: true }, items.map((item) => item ?? h('div', { role: 'separator' })));
  const element = h('div', { class: 'menu-anchor' }, button, menu);

  const isOpen = () => !menu.hidden;
  // Items a style sheet hides (on some screens) or that are disabled are passed over.
  const usable = () => entries.filter((item) => !item.disabled && item.getClientRects().length > 0);
  const focusItem = (index: number) => {
    const items = usable();
    items.at(index % Math.max(items.length, 1))?.focus();
  };
  const onPointerDown = (event: PointerEvent) => {
    if (!element.contains(event.target as Node)) close(false);
  };
  const open = (focusIndex: number) => {
    if (button.getAttribute('aria-disabled') === 'true') return;
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    place();
    document.addEventListener('pointerdown', onPointerDown, true);
    focusItem(focusIndex);
  };
  function close(returnFocus: boolean) {
    if (!isOpen()) return;
    if (returnFocus) button.focus();
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onPointerDown, true);
  }
  // Below the button, right-aligned with it; flipped where the window has no room (a phone's edge, the page's end).
  function place() {
    menu.classList.remove('menu-left', 'menu-up');
    const box = menu.getBoundingClientRect();
    if (box.left < 0) menu.classList.add('menu-left');
    if (box.bottom > window.innerHeight && button.getBoundingClientRect().top > box.height) menu.classList.add('menu-up');
  }

  button.addEventListener('click', () => (isOpen() ? close(true) : open(0)));
  button.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    open(event.key === 'ArrowDown' ? 0 : -1);
  });
  menu.addEventListener('keydown', (event) => {
    const items = usable();
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1 + items.length, Home: 0, End: -1 };
    if (event.key in moves) {
      event.preventDefault();
      focusItem(moves[event.key]!);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'Tab') {
      // From the button, Tab's own move then goes on to the next control (or back with Shift).
      close(true);
    }
  });
  // Capture: closes before the item's own listener runs (which may move the focus on).
  menu.addEventListener('click', (event) => {
    if ((event.target as Element).closest('[role="menuitem"]')) close(true);
  }, true);
  element.addEventListener('focusout', (event) => {
    if (isOpen() && !element.contains(event.relatedTarget as Node | null)) close(false);
  });
  return { element, button };
}
