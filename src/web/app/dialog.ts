import { h } from './dom.js';

/**
 * A modal confirmation built on <dialog> (focus trapped, Esc cancels). Resolves true when confirmed.
 * `requireText`: the owner must type this (e.g. a workspace's name) before the button enables.
 */
export function confirmDialog(options: { title: string; message: string; confirmLabel: string; danger?: boolean; requireText?: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const confirm = h('button', { type: 'submit', class: options.danger ? 'danger' : 'primary', value: 'confirm' }, options.confirmLabel);
    const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
    let typed: HTMLInputElement | null = null;
    if (options.requireText) {
      typed = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-label': `Type ${options.requireText} to confirm` });
      confirm.disabled = true;
      typed.addEventListener('input', () => {
        confirm.disabled = typed!.value !== options.requireText;
      });
    }
    const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, options.title),
      h('p', {}, options.message),
      options.requireText ? h('p', {}, 'Type ', h('strong', {}, options.requireText), ' to confirm:') : null,
      typed,
      h('div', { class: 'actions' }, cancel, confirm),
    );
    const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
    let result = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (confirm.disabled) return;
      result = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    (typed ?? cancel).focus();
  });
}
