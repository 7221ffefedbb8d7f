// Add workspace: search the owner's GitHub repositories, or clone any public https git URL. From a
// failed clone's "Edit URL" (?url=…&replaces=id), the corrected URL replaces the failed workspace.
import { api, ApiError, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { field, h, isKeyboardFirst, setFieldError } from '../app/dom.js';
import { timeAgo } from '../app/format.js';
import { checkCloneUrl } from '../app/input-checks.js';
import { toast } from '../app/toast.js';
import type { Repository, Workspace } from '../app/types.js';
import { watchClone } from './clone-watch.js';
import { githubNotice, githubStateOfError } from './github-status.js';

interface RepoPage {
  repositories: Repository[];
  total: number;
}

type CreateBody = { repo: string } | { url: string };

const postWorkspace = async (body: CreateBody) => (await api<{ workspace: Workspace }>('/api/workspaces', { method: 'POST', body })).workspace;

/** Deletes the workspace whose URL was corrected, if its clone is still the failed one. */
async function removeFailedWorkspace(id: string): Promise<void> {
  const { workspace } = await api<{ workspace: Workspace }>(`/api/workspaces/${id}`);
  if (workspace.cloneState !== 'error') return;
  await api(`/api/workspaces/${id}?confirm=${encodeURIComponent(workspace.name)}`, { method: 'DELETE' });
}

const isTakenBy = (error: unknown, id: string) =>
  error instanceof ApiError && error.code === 'workspace_exists' && (error.details as { workspaceId?: string } | undefined)?.workspaceId === id;

/**
 * Clones the corrected URL of the failed workspace `replaces`, then deletes that one. When the new
 * URL gives the same name (only a middle part changed), the failed one has to go first.
 */
async function replaceWorkspace(body: CreateBody, replaces: string): Promise<Workspace> {
  let workspace: Workspace;
  try {
    workspace = await postWorkspace(body);
  } catch (error) {
    if (!isTakenBy(error, replaces)) throw error;
    await removeFailedWorkspace(replaces);
    return postWorkspace(body);
  }
  // The new clone has started: a failed deletion of the old one is only worth a word.
  await removeFailedWorkspace(replaces).catch((error: unknown) => toast(`The failed workspace is still listed: ${describeError(error)}`, 'error'));
  return workspace;
}

/** What the list holds, or what to do when it is empty (an empty search is not "no match"). */
function describeTotal(page: RepoPage, search: string): string {
  if (page.total === 0 && !search) {
    return 'Your GitHub account has no repositories this sign-in can see. Create one on GitHub, then choose Refresh list, or paste a git URL below.';
  }
  if (page.total === 0) return 'No repository matches.';
  const shown = page.total > page.repositories.length ? `, showing ${page.repositories.length}` : '';
  return `${page.total} ${page.total === 1 ? 'repository' : 'repositories'}${shown}.`;
}

export const addWorkspaceScreen: Screen = {
  title: 'Add workspace',
  async render(main, context) {
    const search = h('input', { type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false', placeholder: 'owner/name or description' });
    const results = h('ul', { class: 'repo-list', 'aria-label': 'Repositories' });
    const summary = h('p', { class: 'muted', role: 'status' });
    // Where the GitHub connection needs the owner (renewal, first connection): the status and Reconnect.
    const connection = h('div');
    const refresh = h('button', { type: 'button' }, 'Refresh list');

    const replaces = context.query.get('replaces');
    // Checked by checkCloneUrl, which can say what to use instead of an SSH URL (the browser's own check cannot).
    const url = h('input', { type: 'text', inputmode: 'url', name: 'url', placeholder: 'https://example.com/team/project.git', autocomplete: 'off', spellcheck: 'false', value: context.query.get('url') });
    const urlHint = replaces ? 'Correct the URL, then clone it: the failed workspace is replaced by the new one.' : 'Any public https repository; GitHub URLs use your GitHub access.';
    const urlForm = h('form', { class: 'inline-form', 'aria-labelledby': 'git-url-title' }, field('Git URL', url, urlHint), h('button', { type: 'submit', class: 'primary' }, 'Clone URL'));

    main.append(
      h('div', { class: 'screen-header' }, h('h1', {}, 'Add workspace'), h('a', { href: '/workspaces' }, 'Back to workspaces')),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'repo-picker-title' },
        h('h2', { id: 'repo-picker-title' }, 'From your GitHub repositories'),
        h('form', { class: 'inline-form', role: 'search', onsubmit: (event: Event) => event.preventDefault() }, field('Search repositories', search), refresh),
        summary,
        connection,
        results,
      ),
      h('section', { class: 'card', 'aria-labelledby': 'git-url-title' }, h('h2', { id: 'git-url-title' }, 'From a git URL'), urlForm),
    );

    /** Starts the clone and goes to the list; a refusal is shown by `showRefusal` (a toast unless said otherwise). */
    const create = async (body: CreateBody, button: HTMLButtonElement, replacing: string | null = null, showRefusal = (message: string): void => void toast(message, 'error')) => {
      button.disabled = true;
      try {
        const workspace = replacing ? await replaceWorkspace(body, replacing) : await postWorkspace(body);
        watchClone(workspace);
        context.navigate(`/workspaces?added=${encodeURIComponent(workspace.id)}`);
      } catch (error) {
        if (error instanceof ApiError && error.status < 500) showRefusal(describeError(error));
        else toast(describeError(error), 'error');
        button.disabled = false;
      }
    };
    const showUrlError = (message: string | null, suggestion?: string) => {
      setFieldError(url, message);
      if (!suggestion) return;
      const use = h('button', { type: 'button', class: 'link-button' }, 'Use this URL');
      use.addEventListener('click', () => {
        url.value = suggestion;
        showUrlError(null);
        url.focus();
      });
      document.getElementById(`${url.id}-error`)?.append(' ', use);
    };
    url.addEventListener('input', () => {
      if (url.getAttribute('aria-invalid') === 'true') showUrlError(null);
    });

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
        summary.textContent = describeTotal(page, query.get('q') ?? '');
        connection.replaceChildren();
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') return;
        results.replaceChildren();
        const state = error instanceof ApiError ? githubStateOfError(error.code) : null;
        const notice = state ? githubNotice({ state, webFlow: context.me?.github.webFlow ?? true }) : null;
        summary.textContent = notice ? '' : describeError(error);
        connection.replaceChildren(...(notice ? [notice] : []));
      } finally {
        results.removeAttribute('aria-busy');
      }
    };
    search.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void load(), 250);
    });
    // A search still waiting to run would otherwise cancel the refresh and show the stale list.
    refresh.addEventListener('click', () => {
      window.clearTimeout(timer);
      void load(true);
    });
    urlForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = checkCloneUrl(url.value);
      showUrlError(checked.ok ? null : checked.message, checked.ok ? undefined : checked.suggestion);
      if (!checked.ok) {
        url.focus();
        return;
      }
      const button = urlForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
      void create({ url: checked.value }, button, replaces, (message) => showUrlError(message));
    });
    // Correcting a URL starts in its field; otherwise in the search, except on touch screens, where
    // focusing would open the keyboard over the list before anything was asked for.
    if (url.value) url.focus();
    else if (isKeyboardFirst()) search.focus();
    await load();
  },
};
