// Add workspace: search the owner's GitHub repositories, or clone any public https git URL.
import { api, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { field, h } from '../app/dom.js';
import { timeAgo } from '../app/format.js';
import { toast } from '../app/toast.js';
import type { Repository, Workspace } from '../app/types.js';
import { cloneToastKey } from './workspaces.js';

interface RepoPage {
  repositories: Repository[];
  total: number;
}

export const addWorkspaceScreen: Screen = {
  title: 'Add workspace',
  async render(main, context) {
    const search = h('input', { type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false', placeholder: 'owner/name or description' });
    const results = h('ul', { class: 'repo-list', 'aria-label': 'Repositories' });
    const summary = h('p', { class: 'muted', role: 'status' });
    const refresh = h('button', { type: 'button' }, 'Refresh list');

    const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://example.com/team/project.git', autocomplete: 'off', spellcheck: 'false' });
    const urlForm = h('form', { class: 'inline-form', 'aria-labelledby': 'git-url-title' }, field('Git URL', url, 'Any public https repository; GitHub URLs use your GitHub access.'), h('button', { type: 'submit', class: 'primary' }, 'Clone URL'));

    main.append(
      h('div', { class: 'screen-header' }, h('h1', {}, 'Add workspace'), h('a', { href: '/workspaces' }, 'Back to workspaces')),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'repo-picker-title' },
        h('h2', { id: 'repo-picker-title' }, 'From your GitHub repositories'),
        h('form', { class: 'inline-form', role: 'search', onsubmit: (event: Event) => event.preventDefault() }, field('Search repositories', search), refresh),
        summary,
        results,
      ),
      h('section', { class: 'card', 'aria-labelledby': 'git-url-title' }, h('h2', { id: 'git-url-title' }, 'From a git URL'), urlForm),
    );

    const create = async (body: { repo: string } | { url: string }, button: HTMLButtonElement) => {
      button.disabled = true;
      try {
        const { workspace } = await api<{ workspace: Workspace }>('/api/workspaces', { method: 'POST', body });
        toast(`Cloning ${workspace.name}…`, 'info', cloneToastKey(workspace.id));
        context.navigate('/workspaces');
      } catch (error) {
        toast(describeError(error), 'error');
        button.disabled = false;
      }
    };

    let controller: AbortController | null = null;
    let timer = 0;
    context.onDispose(() => {
      controller?.abort();
      window.clearTimeout(timer);
    });
    const load = async (refreshCache = false) => {
      controller?.abort();
      controller = new AbortController();
      const query = new URLSearchParams({ q: search.value.trim(), perPage: '50', sort: 'pushed' });
      if (refreshCache) query.set('refresh', 'true');
      summary.textContent = 'Loading repositories…';
      results.setAttribute('aria-busy', 'true');
      try {
        const page = await api<RepoPage>(`/api/github/repos?${query}`, { signal: controller.signal });
        results.replaceChildren(
          ...page.repositories.map((repo) => {
            const action = repo.workspaceId
              ? h('span', { class: 'badge' }, 'Already a workspace')
              : h('button', { type: 'button', class: 'primary', 'aria-label': `Add ${repo.fullName}` }, 'Add');
            if (action instanceof HTMLButtonElement) action.addEventListener('click', () => void create({ repo: repo.fullName }, action));
            return h(
              'li',
              { class: 'repo' },
              h(
                'div',
                {},
                h('strong', {}, repo.fullName),
                repo.private ? h('span', { class: 'badge' }, 'private') : null,
                repo.archived ? h('span', { class: 'badge' }, 'archived') : null,
                repo.description ? h('p', { class: 'muted' }, repo.description) : null,
                h('p', { class: 'hint' }, `Pushed ${timeAgo(repo.pushedAt, 'never')}`),
              ),
              action,
            );
          }),
        );
        summary.textContent = page.total === 0 ? 'No repository matches.' : `${page.total} ${page.total === 1 ? 'repository' : 'repositories'}${page.total > page.repositories.length ? `, showing ${page.repositories.length}` : ''}.`;
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') return;
        results.replaceChildren();
        summary.textContent = describeError(error);
      } finally {
        results.removeAttribute('aria-busy');
      }
    };
    search.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void load(), 250);
    });
    refresh.addEventListener('click', () => void load(true));
    urlForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const button = urlForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
      void create({ url: url.value.trim() }, button);
    });
    search.focus();
    await load();
  },
};
