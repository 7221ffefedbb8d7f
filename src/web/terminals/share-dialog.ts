// "Share read-only" (issue 23 §2, docs/sharing.md): creates a share link of one terminal and shows it
// to copy. The token is in the answer this once; Settings lists the links and revokes them.
import { api, describeError } from '../app/api.js';
import { showSheet } from '../app/dialog.js';
import { h } from '../app/dom.js';
import { DEFAULT_SHARE_EXPIRY, SHARE_EXPIRY_LABELS, SHARE_LABEL_MAX, type CreatedShare, type ShareExpiry } from '../../shared/shares.js';

export async function openShareDialog(parent: HTMLElement, terminal: { id: string; label: string }): Promise<void> {
  const expiry = h(
    'select',
    { name: 'expiresIn', 'aria-label': 'Link works for' },
    (Object.keys(SHARE_EXPIRY_LABELS) as ShareExpiry[]).map((value) =>
      h('option', { value, ...(value === DEFAULT_SHARE_EXPIRY ? { selected: true } : {}) }, SHARE_EXPIRY_LABELS[value]),
    ),
  );
  const label = h('input', { type: 'text', name: 'label', maxlength: SHARE_LABEL_MAX, placeholder: 'Optional, e.g. who it is for', 'aria-label': 'Label' });
  const problem = h('p', { class: 'term-dialog-hint share-problem', role: 'alert' });
  const result = h('div', { class: 'share-result' });
  const create: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'term-button term-button-primary',
      onclick: () => {
        create.disabled = true;
        problem.textContent = '';
        api<CreatedShare>(`/api/terminals/${terminal.id}/shares`, {
          method: 'POST',
          body: { expiresIn: expiry.value, ...(label.value.trim() ? { label: label.value.trim() } : {}) },
        }).then(
          (created) => showLink(created),
          (error: unknown) => {
            create.disabled = false;
            problem.textContent = describeError(error);
          },
        );
      },
    },
    'Create link',
  );
  const form = h(
    'div',
    { class: 'share-form' },
    h('p', {}, 'Anyone with the link sees this terminal live, and its scrollback, without signing in. They cannot type into it. Revoke it any time under Settings.'),
    h('label', {}, 'Link works for ', expiry),
    h('label', {}, 'Label ', label),
    create,
    problem,
  );
  const showLink = (created: CreatedShare) => {
    const link = new URL(created.path, window.location.origin).href;
    const field = h('input', { type: 'text', readonly: true, value: link, 'aria-label': 'Share link', class: 'share-link' });
    const copy = h(
      'button',
      {
        type: 'button',
        class: 'term-button',
        onclick: () => {
          field.select();
          navigator.clipboard?.writeText(link).then(
            () => (copy.textContent = 'Copied'),
            () => (copy.textContent = 'Select and copy the link'),
          );
        },
      },
      'Copy link',
    );
    form.remove();
    result.append(
      h('p', {}, `Read-only link to “${terminal.label}”, until ${new Date(created.share.expiresAt).toLocaleString()}. It is shown only now.`),
      field,
      copy,
    );
    field.select();
  };
  await showSheet(parent, 'Share read-only', [form, result]);
}
