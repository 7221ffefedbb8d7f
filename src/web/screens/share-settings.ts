// Settings → Share links (issue 23 §2, docs/sharing.md): the read-only links that still work, who
// watches now, and Revoke, which ends their viewers at once.
import { api, describeError } from '../app/api.js';
import { h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import type { ShareInfo } from '../../shared/shares.js';

export function shareLinksSection(): HTMLElement {
  const list = h('ul', { class: 'share-list', 'aria-label': 'Active share links' });
  const empty = h('p', { class: 'muted' }, 'No terminal is shared. Share one from its menu: More actions → Share read-only.');
  const section = h('section', { class: 'card', 'aria-labelledby': 'shares-title' }, h('h2', { id: 'shares-title' }, 'Share links'), empty, list);

  const render = (shares: ShareInfo[]) => {
    empty.hidden = shares.length > 0;
    list.replaceChildren(
      ...shares.map((share) => {
        const revoke: HTMLButtonElement = h(
          'button',
          {
            type: 'button',
            class: 'danger',
            'aria-label': `Revoke the share link of ${share.terminalTitle}${share.label ? ` (${share.label})` : ''}`,
            onclick: () => {
              revoke.disabled = true;
              api(`/api/shares/${share.id}`, { method: 'DELETE' }).then(
                () => {
                  toast(`Stopped sharing ${share.terminalTitle}.`);
                  void load();
                },
                (error: unknown) => {
                  revoke.disabled = false;
                  toast(describeError(error), 'error');
                },
              );
            },
          },
          'Revoke',
        );
        return h(
          'li',
          { class: 'share-item' },
          h('strong', {}, share.terminalTitle),
          share.label ? h('span', {}, ` · ${share.label}`) : null,
          h('span', { class: 'muted' }, ` · until ${new Date(share.expiresAt).toLocaleString()} · ${share.viewers === 1 ? '1 viewer' : `${share.viewers} viewers`} now `),
          revoke,
        );
      }),
    );
  };
  const load = () =>
    api<{ shares: ShareInfo[] }>('/api/shares').then(
      ({ shares }) => render(shares),
      (error: unknown) => {
        empty.hidden = false;
        empty.textContent = describeError(error);
      },
    );
  void load();
  return section;
}
