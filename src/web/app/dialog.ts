// The one dialog module of the web app: promise-based modals built on <dialog> (focus trapping
// and Escape come from the browser). The screens confirm with `confirmDialog`; the terminals ask
// with `askDialog` and inform with `showSheet`, in their own look (`term-dialog`).
import { h, uid } from './dom.js';

/**
 * A modal confirmation built on <dialog> (focus trapped, Esc cancels). Resolves true when confirmed.
 * `requireText`: the owner must type this (e.g. a workspace's name) before the button enables.
 */
export function confirmDialog(options: {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  requireText?: string;
  /** Listed under the message, one item a line (what a discard loses); the list scrolls when long. */
  items?: string[];
}): Promise<boolean> {
  const confirm = h('button', { type: 'submit', class: options.danger ? 'danger' : 'primary', value: 'confirm' }, options.confirmLabel);
  let typed: HTMLInputElement | null = null;
  if (options.requireText) {
    const requireText = options.requireText;
    confirm.disabled = true;
    typed = h('input', {
      type: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': `Type ${requireText} to confirm`,
      oninput: () => {
        confirm.disabled = typed!.value !== requireText;
      },
    });
  }
  const { dialog, form } = createDialog(options.title);
  const cancel = h('button', { type: 'button', value: 'cancel', onclick: () => dialog.close() }, 'Cancel');
  form.append(
    h('p', {}, options.message),
    ...(options.items && options.items.length > 0 ? [h('ul', { class: 'dialog-items' }, options.items.map((item) => h('li', {}, item)))] : []),
    ...(options.requireText ? [h('p', {}, 'Type ', h('strong', {}, options.requireText), ' to confirm:')] : []),
    ...(typed ? [typed] : []),
    h('div', { class: 'actions' }, cancel, confirm),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!confirm.disabled) dialog.close('confirm');
  });
  return present(document.body, dialog, typed ?? cancel).then((value) => value === 'confirm');
}

export interface DialogButton {
  value: string;
  label: string;
  variant?: 'primary' | 'danger';
  /** Closes the dialog as Escape does (value ''); never the button Enter chooses. */
  cancel?: boolean;
}

export interface DialogOptions {
  title: string;
  message?: string;
  buttons: DialogButton[];
  /** A text field (e.g. a terminal name), with an optional placeholder and a hint under it. */
  input?: { label: string; value: string; maxLength?: number; placeholder?: string; hint?: string };
}

/**
 * Resolves with the chosen button's value ('' when cancelled) and the field's text. Focus starts
 * in the field, else on the primary button, else on the first one that is not dangerous: a
 * reflexive Enter must never destroy anything.
 */
export async function askDialog(parent: HTMLElement, options: DialogOptions): Promise<{ value: string; text: string }> {
  const { dialog, form } = createDialog(options.title, 'term-dialog');
  if (options.message) form.append(h('p', {}, options.message));
  let input: HTMLInputElement | null = null;
  if (options.input) {
    const hint = options.input.hint ? h('p', { class: 'term-dialog-hint', id: uid('term-dialog-hint') }, options.input.hint) : null;
    input = h('input', {
      type: 'text',
      value: options.input.value,
      maxlength: options.input.maxLength ?? 100,
      autocomplete: 'off',
      placeholder: options.input.placeholder || null,
      'aria-describedby': hint?.id,
    });
    form.append(h('label', {}, options.input.label, input));
    if (hint) form.append(hint);
  }
  const buttons = options.buttons.map((button) =>
    h(
      'button',
      {
        type: button.cancel ? 'button' : 'submit',
        value: button.value,
        class: button.variant ? `term-button term-button-${button.variant}` : 'term-button',
        onclick: button.cancel ? () => dialog.close('') : null,
      },
      button.label,
    ),
  );
  form.append(h('div', { class: 'term-dialog-actions' }, buttons));
  const firstFocus = input ?? buttons[initialButton(options.buttons)] ?? null;
  const value = await present(parent, dialog, firstFocus, () => input?.select());
  return { value, text: input?.value ?? '' };
}

/** A dialog that only informs (the shortcut sheet): its content scrolls under the heading, Close or Escape closes it. */
export async function showSheet(parent: HTMLElement, title: string, content: Node[]): Promise<void> {
  const { dialog, form } = createDialog(title, 'term-dialog term-sheet');
  const close = h('button', { class: 'term-button term-button-primary' }, 'Close');
  form.append(h('div', { class: 'term-sheet-body' }, content), h('div', { class: 'term-dialog-actions' }, close));
  await present(parent, dialog, close);
}

/**
 * A dialog in the screens' look that shows live content (the Add a device code) until Close or Escape:
 * `closed` resolves then, and `close()` closes it from outside (the screen went away).
 */
export function showPanel(title: string, content: Node[]): { closed: Promise<void>; close(): void } {
  const { dialog, form } = createDialog(title, 'panel-dialog');
  const close = h('button', { class: 'primary' }, 'Close');
  form.append(...content, h('div', { class: 'actions' }, close));
  return { closed: present(document.body, dialog, close).then(() => undefined), close: () => dialog.close() };
}

/** A <dialog> labelled by its heading, holding a `method="dialog"` form that starts with that heading. */
function createDialog(title: string, className?: string): { dialog: HTMLDialogElement; form: HTMLFormElement } {
  const heading = h('h2', { id: uid('dialog-title') }, title);
  const form = h('form', { method: 'dialog' }, heading);
  const dialog = h('dialog', { class: className, 'aria-labelledby': heading.id }, form);
  return { dialog, form };
}

/** Shows the dialog modally under `parent`; resolves with its return value ('' when cancelled) once it closes and is removed. */
function present(parent: HTMLElement, dialog: HTMLDialogElement, firstFocus: HTMLElement | null, afterFocus?: () => void): Promise<string> {
  parent.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        dialog.remove();
        resolve(dialog.returnValue);
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    firstFocus?.focus();
    afterFocus?.();
  });
}

function initialButton(buttons: DialogButton[]): number {
  const primary = buttons.findIndex((button) => button.variant === 'primary');
  return primary >= 0 ? primary : Math.max(0, buttons.findIndex((button) => button.variant !== 'danger'));
}
