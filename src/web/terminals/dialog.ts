// A small promise-based modal built on <dialog> (focus trapping and Escape come from the browser).
import { randomId } from './layout-store.js';

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
export function askDialog(parent: HTMLElement, options: DialogOptions): Promise<{ value: string; text: string }> {
  const { dialog, form } = createDialog(options.title);
  if (options.message) {
    const message = document.createElement('p');
    message.textContent = options.message;
    form.append(message);
  }
  let input: HTMLInputElement | null = null;
  if (options.input) {
    const label = document.createElement('label');
    label.textContent = options.input.label;
    input = document.createElement('input');
    input.type = 'text';
    input.value = options.input.value;
    input.maxLength = options.input.maxLength ?? 100;
    input.autocomplete = 'off';
    if (options.input.placeholder) input.placeholder = options.input.placeholder;
    label.append(input);
    form.append(label);
    if (options.input.hint) form.append(fieldHint(input, options.input.hint));
  }
  const actions = document.createElement('div');
  actions.className = 'term-dialog-actions';
  for (const button of options.buttons) {
    const element = document.createElement('button');
    element.type = button.cancel ? 'button' : 'submit';
    element.value = button.value;
    element.textContent = button.label;
    element.className = button.variant ? `term-button term-button-${button.variant}` : 'term-button';
    if (button.cancel) element.addEventListener('click', () => dialog.close(''));
    actions.append(element);
  }
  const firstFocus = input ?? initialButton(actions, options.buttons);
  form.append(actions);
  parent.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const text = input?.value ?? '';
        dialog.remove();
        resolve({ value: dialog.returnValue, text });
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    firstFocus?.focus();
    input?.select();
  });
}

/** A dialog that only informs (the shortcut sheet): its content scrolls under the heading, Close or Escape closes it. */
export function showSheet(parent: HTMLElement, title: string, content: Node[]): Promise<void> {
  const { dialog, form } = createDialog(title);
  dialog.classList.add('term-sheet');
  const body = document.createElement('div');
  body.className = 'term-sheet-body';
  body.append(...content);
  const actions = document.createElement('div');
  actions.className = 'term-dialog-actions';
  const close = document.createElement('button');
  close.className = 'term-button term-button-primary';
  close.textContent = 'Close';
  actions.append(close);
  form.append(body, actions);
  parent.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        dialog.remove();
        resolve();
      },
      { once: true },
    );
    dialog.showModal();
    close.focus();
  });
}

function createDialog(title: string): { dialog: HTMLDialogElement; form: HTMLFormElement } {
  const dialog = document.createElement('dialog');
  dialog.className = 'term-dialog';
  const form = document.createElement('form');
  form.method = 'dialog';
  const heading = document.createElement('h2');
  heading.textContent = title;
  heading.id = `term-dialog-${randomId()}`;
  dialog.setAttribute('aria-labelledby', heading.id);
  form.append(heading);
  dialog.append(form);
  return { dialog, form };
}

function fieldHint(input: HTMLInputElement, text: string): HTMLElement {
  const hint = document.createElement('p');
  hint.className = 'term-dialog-hint';
  hint.id = `term-dialog-hint-${randomId()}`;
  hint.textContent = text;
  input.setAttribute('aria-describedby', hint.id);
  return hint;
}

function initialButton(actions: HTMLElement, buttons: DialogButton[]): HTMLButtonElement | null {
  const primary = buttons.findIndex((button) => button.variant === 'primary');
  const index = primary >= 0 ? primary : Math.max(0, buttons.findIndex((button) => button.variant !== 'danger'));
  return actions.querySelectorAll<HTMLButtonElement>('button')[index] ?? null;
}
