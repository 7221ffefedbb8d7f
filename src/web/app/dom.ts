// A tiny element builder: the web app uses plain DOM, no framework.
export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, unknown>;

/**
 * h('button', { class: 'primary', type: 'button', onclick: save }, 'Save'):
 * `on*` functions become listeners, `class` the class name, `true` an empty attribute,
 * `false`/null/undefined are left out, anything else becomes an attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value as EventListener);
    } else if (key === 'class') {
      element.className = String(value);
    } else if (key === 'value' && 'value' in element) {
      (element as HTMLInputElement).value = String(value);
    } else if (key === 'checked' && element instanceof HTMLInputElement) {
      element.checked = Boolean(value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: SVGElement[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  for (const child of children) element.appendChild(child);
  return element;
}

let idCounter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = 'id'): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form field: <div class="field"><label for>…</label><control></div>. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id ||= uid('field');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/**
 * Shows (or with null clears) a message under a control made by `field()`, marks the control invalid
 * and has screen readers read the message with it.
 */
export function setFieldError(control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, message: string | null): void {
  const errorId = `${control.id}-error`;
  let error = document.getElementById(errorId);
  const describedBy = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== errorId);
  // The error says what the hint says, and more: one of them at a time.
  const hint = document.getElementById(`${control.id}-hint`);
  if (hint) hint.hidden = message !== null;
  if (message === null) {
    error?.remove();
    control.removeAttribute('aria-invalid');
  } else {
    error ??= h('p', { class: 'field-error', id: errorId, role: 'alert' });
    error.textContent = message;
    control.after(error);
    control.setAttribute('aria-invalid', 'true');
    describedBy.unshift(errorId);
  }
  if (describedBy.length > 0) control.setAttribute('aria-describedby', describedBy.join(' '));
  else control.removeAttribute('aria-describedby');
}

/** A wide screen with a fine pointer (a desktop): there, screens may focus their first field on arrival. */
export function isKeyboardFirst(): boolean {
  return window.matchMedia('(pointer: fine) and (min-width: 601px)').matches;
}
