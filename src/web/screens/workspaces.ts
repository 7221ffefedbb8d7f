// Workspaces: each clone with its state, live clone progress (server-sent events), git status and actions.
import { api, ApiError, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { confirmDialog } from '../app/dialog.js';
import { field, h, setFieldError } from '../app/dom.js';
import { timeAgo } from '../app/format.js';
import { checkEnvName } from '../app/input-checks.js';
import { menuButton } from '../app/menu.js';
import { toast } from '../app/toast.js';
import type { Branches, CloneEvent, EnvVariable, GitStatus, Me, Workspace } from '../app/types.js';
import { watchClone } from './clone-watch.js';
import { githubNotice } from './github-status.js';
import { describeActivity } from './workspace-activity.js';

const PHASE_LABELS: Record<string, string> = {
  queued: 'Waiting for a free clone slot',
  starting: 'Starting',
  counting: 'Counting objects',
  compressing: 'Compressing objects',
  receiving: 'Receiving objects',
  resolving: 'Resolving deltas',
  updating: 'Checking out files',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Refusals that may mean GitHub no longer takes the stored token: the page asks for the GitHub status again. */
const GITHUB_REFUSALS = new Set(['git_authentication_failed', 'github_reauth_required']);

/** Add workspace with a failed clone's URL to correct; the new clone replaces the failed workspace. */
const editUrlPath = (workspace: Workspace) => `/workspaces/new?${new URLSearchParams({ url: workspace.cloneUrl, replaces: workspace.id })}`;

/** From this many workspaces on, the list gets a filter. */
const FILTER_FROM = 6;

const isCloneFinished = (state: Workspace['cloneState']) => state === 'ready' || state === 'error';

interface CardState {
  workspace: Workspace;
  status: GitStatus | null;
  statusError: string | null;
  element: HTMLElement;
  busy: boolean;
}

/** What a card's buttons call back into the list. */
interface CardActions {
  /** Reloads the workspace and its git status, then rebuilds the card. */
  refresh(): Promise<void>;
  remove(): void;
  /** Asks for the GitHub status again (a GitHub refusal came back) and shows it if it needs the owner. */
  checkGitHub(): void;
}

export const workspacesScreen: Screen = {
  title: 'Workspaces',
  async render(main, context) {
    const list = h('ul', { class: 'workspace-list', 'aria-label': 'Workspaces' });
    const empty = h(
      'div',
      { class: 'empty', hidden: true },
      h('p', {}, 'No workspaces yet. A workspace is a clone of one of your GitHub repositories, or of any git URL, with terminals that start in it. A terminal in your home directory needs none.'),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button primary', href: '/workspaces/new' }, 'Add your first workspace'),
        h('a', { class: 'button', href: '/terminals' }, 'Open a terminal'),
      ),
    );
    // The GitHub status, when it needs the owner (a renewal): Pull and Fetch of GitHub workspaces fail until then.
    const githubSlot = h('div');
    const loading = h('p', { class: 'muted', role: 'status' }, 'Loading workspaces…');
    const filter = h('input', { type: 'search', class: 'workspace-filter', placeholder: 'Filter workspaces', 'aria-label': 'Filter workspaces', hidden: true });
    const noMatch = h('p', { class: 'empty', role: 'status', hidden: true }, 'No workspace matches this filter.');
    main.append(
      h(
        'div',
        { class: 'screen-header' },
        h('h1', {}, 'Workspaces'),
        h('div', { class: 'screen-header-actions' }, filter, h('a', { class: 'button primary', href: '/workspaces/new' }, 'Add workspace')),
      ),
      githubSlot,
      loading,
      empty,
      noMatch,
      list,
    );
    const cards = new Map<string, CardState>();
    const pendingEvents = new Map<string, CloneEvent>();

    const matchesFilter = (card: CardState) => {
      const wanted = filter.value.trim().toLowerCase();
      const { name, githubRepo, cloneUrl, description } = card.workspace;
      return !wanted || [name, githubRepo, cloneUrl, description].some((text) => text?.toLowerCase().includes(wanted));
    };
    const applyFilter = () => {
      filter.hidden = cards.size < FILTER_FROM && filter.value === '';
      let shown = 0;
      for (const card of cards.values()) {
        card.element.hidden = !matchesFilter(card);
        if (!card.element.hidden) shown += 1;
      }
      empty.hidden = cards.size > 0;
      noMatch.hidden = cards.size === 0 || shown > 0;
    };
    filter.addEventListener('input', applyFilter);
    filter.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || filter.value === '') return;
      filter.value = '';
      applyFilter();
    });

    const checkGitHub = (refreshed: Promise<Me | null>) => {
      void refreshed
        .then((me) => githubSlot.replaceChildren(...(me?.github.state === 'needs_renewal' ? [githubNotice(me.github)!] : [])))
        .catch(() => undefined);
    };

    const renderCard = (card: CardState) => {
      // The card is new elements: the keyboard stays on the same action (else on More) rather than falling to the page.
      const focusedAction = card.element.contains(document.activeElement) ? ((document.activeElement as HTMLElement).dataset.action ?? 'more') : null;
      const next = buildCard(card, {
        refresh: () => refreshOne(card.workspace.id),
        remove: () => removeCard(card.workspace.id),
        checkGitHub: () => checkGitHub(context.refreshMe()),
      });
      next.hidden = !matchesFilter(card);
      card.element.replaceWith(next);
      card.element = next;
      if (focusedAction) next.querySelector<HTMLElement>(`[data-action="${focusedAction}"]`)?.focus();
    };
    const removeCard = (id: string) => {
      cards.get(id)?.element.remove();
      cards.delete(id);
      applyFilter();
    };
    const loadStatus = async (card: CardState) => {
      if (card.workspace.cloneState !== 'ready') return;
      try {
        card.status = (await api<{ status: GitStatus }>(`/api/workspaces/${card.workspace.id}/status`)).status;
        card.statusError = null;
      } catch (error) {
        card.statusError = describeError(error);
      }
    };
    const refreshOne = async (id: string) => {
      try {
        const { workspace } = await api<{ workspace: Workspace }>(`/api/workspaces/${id}`);
        const card = cards.get(id);
        if (!card) return;
        card.workspace = workspace;
        await loadStatus(card);
        renderCard(card);
      } catch (error) {
        toast(describeError(error), 'error');
      }
    };

    // Open the event stream before listing, so that no clone can finish unseen in between.
    const source = new EventSource('/api/workspaces/events');
    context.onDispose(() => source.close());
    source.addEventListener('message', (message: MessageEvent<string>) => {
      let event: CloneEvent;
      try {
        event = JSON.parse(message.data) as CloneEvent;
      } catch {
        return;
      }
      const card = cards.get(event.workspaceId);
      if (!card) {
        pendingEvents.set(event.workspaceId, event);
        return;
      }
      applyEvent(card, event);
      // The clone's toast is settled by watchClone (clone-watch.ts), whatever screen shows.
      if (isCloneFinished(event.state)) void refreshOne(event.workspaceId);
      else updateProgress(card);
    });

    const { workspaces } = await api<{ workspaces: Workspace[] }>('/api/workspaces');
    loading.remove();
    for (const workspace of workspaces) {
      const card: CardState = { workspace, status: null, statusError: null, element: h('li'), busy: false };
      const early = pendingEvents.get(workspace.id);
      if (early) applyEvent(card, early);
      cards.set(workspace.id, card);
      list.append(card.element);
      renderCard(card);
    }
    applyFilter();
    showAdded(cards.get(context.query.get('added') ?? ''));
    for (const [id, event] of pendingEvents) if (cards.has(id) && isCloneFinished(event.state)) void refreshOne(id);
    pendingEvents.clear();
    checkGitHub(context.refreshMe());
    // Cards show at once; each fills in its git status as it arrives (a slow repository delays only its own).
    await Promise.all(
      [...cards.values()].map(async (card) => {
        if (card.workspace.cloneState !== 'ready') return;
        await loadStatus(card);
        // Only the status parts: a panel opened or a button focused meanwhile stays as it is.
        card.element.querySelector('.workspace-status')?.replaceWith(buildStatus(card));
        card.element.querySelector('.workspace-activity')?.replaceWith(stateBadge(card));
      }),
    );
  },
};

/** The workspace just added (from Add workspace): in view, and marked for a moment, wherever the list put it. */
function showAdded(card: CardState | undefined) {
  if (!card) return;
  card.element.classList.add('workspace-added');
  card.element.scrollIntoView({ block: 'nearest' });
}

function applyEvent(card: CardState, event: CloneEvent) {
  card.workspace = { ...card.workspace, cloneState: event.state, progress: event.state === 'ready' || event.state === 'error' ? null : event };
  if (event.state === 'error' && event.message) card.workspace.cloneError = event.message;
}

/** Updates only the progress bar (events arrive many times a second). */
function updateProgress(card: CardState) {
  const progress = card.workspace.progress;
  const bar = card.element.querySelector<HTMLProgressElement>('progress');
  const label = card.element.querySelector<HTMLElement>('.progress-label');
  if (!progress || !bar || !label) return;
  bar.value = progress.percent;
  label.textContent = `${PHASE_LABELS[progress.phase] ?? progress.phase} — ${Math.round(progress.percent)}%${describeTransfer(progress)}`;
}

/** What has arrived and how fast, while git says so: a slow clone then looks slow, not stuck. */
function describeTransfer({ received, rate }: { received?: string; rate?: string }): string {
  if (!received) return '';
  return rate ? ` · ${received} at ${rate}` : ` · ${received}`;
}

function stateBadge(card: CardState): HTMLElement {
  const { workspace } = card;
  if (workspace.cloneState === 'pending' || workspace.cloneState === 'cloning') return h('span', { class: 'badge badge-progress' }, 'Cloning');
  if (workspace.cloneState === 'error') return h('span', { class: 'badge badge-error' }, 'Error');
  return h('span', { class: `badge badge-${workspace.status} workspace-activity` }, describeActivity(workspace, card.status));
}

function buildCard(card: CardState, actions: CardActions): HTMLElement {
  const { workspace } = card;
  const titleId = `ws-${workspace.id}-title`;
  const li = h('li', { class: 'card workspace', 'aria-labelledby': titleId, 'data-workspace-id': workspace.id });
  li.append(h('div', { class: 'workspace-head' }, h('h2', { id: titleId }, workspace.name), stateBadge(card)));
  if (workspace.description) li.append(h('p', { class: 'muted' }, workspace.description));

  if (workspace.cloneState === 'pending' || workspace.cloneState === 'cloning') {
    const progress = workspace.progress;
    const percent = progress?.percent ?? 0;
    const labelId = `ws-${workspace.id}-progress`;
    li.append(
      h(
        'div',
        { class: 'progress' },
        h('progress', { max: 100, value: percent, 'aria-labelledby': labelId }),
        h('span', { class: 'progress-label', id: labelId }, `${PHASE_LABELS[progress?.phase ?? 'queued'] ?? progress?.phase} — ${Math.round(percent)}%`),
      ),
    );
    const cancel = h('button', { type: 'button' }, 'Cancel clone');
    cancel.addEventListener('click', () => runAction(card, cancel, () => api(`/api/workspaces/${workspace.id}/cancel`, { method: 'POST', body: {} }), 'Clone cancelled.', actions));
    li.append(h('div', { class: 'actions' }, cancel, deleteButton(card, actions.remove)));
    return li;
  }

  if (workspace.cloneState === 'error') {
    li.append(h('p', { class: 'error-text', role: 'alert' }, workspace.cloneError ?? 'The clone failed.'));
    const retry = h('button', { type: 'button' }, 'Clone again');
    const cloneAgain = async () => {
      await api(`/api/workspaces/${workspace.id}/clone`, { method: 'POST', body: {} });
      watchClone(workspace);
    };
    retry.addEventListener('click', () => runAction(card, retry, cloneAgain, null, actions));
    const editUrl = h('a', { class: 'button', href: editUrlPath(workspace), 'aria-label': `Edit the URL of ${workspace.name}` }, 'Edit URL');
    li.append(h('p', { class: 'hint' }, h('code', {}, workspace.cloneUrl)), h('div', { class: 'actions' }, retry, editUrl, deleteButton(card, actions.remove)));
    return li;
  }

  li.append(buildStatus(card));

  // The branch switcher or the variables, below the card; opened (and closed again) from the More menu.
  const panel = h('div', { class: 'panel', id: `ws-${workspace.id}-panel` });
  const fetchItem = h('button', { type: 'button' }, 'Fetch');
  const branchItem = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': panel.id }, 'Switch branch');
  const envItem = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': panel.id }, 'Environment variables');
  const more = menuButton('More', [fetchItem, branchItem, envItem, null, deleteButton(card, actions.remove, () => more.button)]);
  more.button.dataset.action = 'more';
  fetchItem.addEventListener('click', () => runAction(card, more.button, () => api(`/api/workspaces/${workspace.id}/fetch`, { method: 'POST', body: {} }), `Fetched ${workspace.name}.`, actions));
  const pullButton = h('button', { type: 'button', 'data-action': 'pull' }, 'Pull');
  pullButton.addEventListener('click', () => runAction(card, pullButton, () => api(`/api/workspaces/${workspace.id}/pull`, { method: 'POST', body: {} }), `Pulled ${workspace.name}.`, actions));

  const closePanel = (focusMore: boolean) => {
    panel.replaceChildren();
    for (const toggle of [branchItem, envItem]) toggle.setAttribute('aria-expanded', 'false');
    if (focusMore) more.button.focus();
  };
  const togglePanel = (toggle: HTMLButtonElement, closeLabel: string, build: () => Promise<HTMLElement>) => {
    toggle.addEventListener('click', async () => {
      const wasOpen = toggle.getAttribute('aria-expanded') === 'true';
      closePanel(false);
      if (wasOpen) return;
      toggle.setAttribute('aria-expanded', 'true');
      const close = h('button', { type: 'button', class: 'icon-button panel-close', 'aria-label': closeLabel }, '×');
      close.addEventListener('click', () => closePanel(true));
      panel.replaceChildren(close, h('p', { class: 'muted' }, 'Loading…'));
      let content: HTMLElement;
      try {
        content = await build();
      } catch (error) {
        content = h('p', { class: 'error-text', role: 'alert' }, describeError(error));
      }
      // Closed (or the other panel chosen) meanwhile.
      if (toggle.getAttribute('aria-expanded') !== 'true') return;
      panel.replaceChildren(close, content);
      panel.querySelector<HTMLElement>('select, input')?.focus();
    });
  };
  togglePanel(branchItem, 'Close the branch switcher', () => branchPanel(card, actions));
  togglePanel(envItem, 'Close the environment variables', () => envPanel(workspace));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closePanel(true);
  });

  li.append(
    h('div', { class: 'actions' }, h('a', { class: 'button primary', href: `/terminals/${encodeURIComponent(workspace.id)}`, 'data-action': 'open-terminal' }, 'Open terminal'), pullButton, more.element),
    panel,
  );
  return li;
}

/** The card's facts: git status (once loaded), last sync, running terminals. */
function buildStatus(card: CardState): HTMLElement {
  const { workspace, status } = card;
  const facts = h('dl', { class: 'facts' });
  const fact = (term: string, value: string | Node, title?: string) => facts.append(h('div', {}, h('dt', {}, term), h('dd', { title }, value)));
  if (status) {
    fact('Branch', status.detached ? `detached at ${status.commit?.slice(0, 7) ?? '?'}` : (status.branch ?? '—'));
    const upstream = describeUpstream(status);
    fact('Upstream', upstream.text, upstream.title);
    // The review screen (review.ts): the diff, then commit, push and pull request.
    fact('Changed files', h('a', { href: reviewPath(workspace), title: `Review the changes of ${workspace.name}` }, String(status.changedFiles)));
  } else if (!card.statusError) {
    fact('Branch', 'Loading…');
  }
  fact('Last sync', timeAgo(workspace.lastSyncAt));
  const terminals = String(workspace.activeTerminals);
  const terminalsHref = `/terminals/${encodeURIComponent(workspace.id)}`;
  fact('Terminals', workspace.activeTerminals > 0 ? h('a', { href: terminalsHref, title: `Show the terminals of ${workspace.name}` }, terminals) : terminals);
  const review = h(
    'p',
    { class: 'workspace-review' },
    h('a', { href: reviewPath(workspace), 'aria-label': `Review changes of ${workspace.name}` }, 'Review changes'),
    ' · ',
    h('a', { href: `/workspaces/${encodeURIComponent(workspace.id)}/runs`, 'aria-label': `Agent runs in ${workspace.name}` }, 'Agent runs'),
  );
  return h('div', { class: 'workspace-status' }, facts, review, card.statusError ? h('p', { class: 'error-text' }, card.statusError) : null);
}

/** A workspace's review screen: its changes, then commit, push and pull request. */
const reviewPath = (workspace: Workspace) => `/workspaces/${encodeURIComponent(workspace.id)}/review`;

/** The branch against its upstream in a few words ("2 ahead of origin/main"); the title says it in full. */
function describeUpstream({ branch, upstream, ahead, behind }: GitStatus): { text: string; title?: string } {
  if (!upstream) return { text: 'none', title: 'No remote branch is tracked: Pull has nothing to pull from.' };
  const local = branch ?? 'HEAD';
  const commits = (count: number) => (count === 1 ? '1 commit' : `${count} commits`);
  const since = ' (as of the last fetch)';
  if (ahead > 0 && behind > 0) return { text: `${ahead} ahead, ${behind} behind ${upstream}`, title: `${local} has ${commits(ahead)} that ${upstream} does not, and ${upstream} has ${commits(behind)} that ${local} does not${since}.` };
  if (ahead > 0) return { text: `${ahead} ahead of ${upstream}`, title: `${local} has ${commits(ahead)} not yet pushed to ${upstream}${since}.` };
  if (behind > 0) return { text: `${behind} behind ${upstream}`, title: `${upstream} has ${commits(behind)} not yet pulled into ${local}${since}.` };
  return { text: `up to date with ${upstream}`, title: `${local} has the same commits as ${upstream}${since}.` };
}

/** `success`: what to say once done (null: the action reports for itself). */
async function runAction(card: CardState, button: HTMLButtonElement, action: () => Promise<unknown>, success: string | null, actions: CardActions) {
  if (card.busy) return;
  card.busy = true;
  // aria-disabled rather than disabled: the button keeps the keyboard focus while the action runs.
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
    // Show the new state first, then say it worked.
    await actions.refresh();
    if (success) toast(success, 'success');
  } catch (error) {
    // A refusal can still change the workspace (a refused pull has fetched): show it as it is now, then say why.
    await actions.refresh();
    toast(describeError(error), 'error');
    if (error instanceof ApiError && GITHUB_REFUSALS.has(error.code)) actions.checkGitHub();
  } finally {
    card.busy = false;
    button.removeAttribute('aria-disabled');
    button.removeAttribute('aria-busy');
  }
}

/** What deleting would end or lose, as the card shows it: "1 terminal is running and will be ended; …". */
function deletionLosses(card: CardState): string {
  const terminals = card.workspace.activeTerminals;
  const changed = card.status?.changedFiles ?? 0;
  const losses = [
    terminals > 0 ? `${terminals === 1 ? '1 terminal is' : `${terminals} terminals are`} running and will be ended` : null,
    changed > 0 ? `${changed === 1 ? '1 file has' : `${changed} files have`} uncommitted changes that will be lost` : null,
  ].filter((loss): loss is string => loss !== null);
  return losses.length > 0 ? `${losses.join('; ')}. ` : '';
}

/** `returnFocus`: where the focus goes when the deletion is cancelled (a menu item's menu button). */
function deleteButton(card: CardState, onDeleted: () => void, returnFocus?: () => HTMLElement): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'danger' }, 'Delete');
  button.addEventListener('click', async () => {
    const { workspace } = card;
    const confirmed = await confirmDialog({
      title: `Delete ${workspace.name}?`,
      message: `${deletionLosses(card)}Its directory goes with everything in it that is not pushed, and so do its environment variables.`,
      confirmLabel: 'Delete workspace',
      danger: true,
      requireText: workspace.name,
    });
    if (!confirmed) {
      (returnFocus?.() ?? button).focus();
      return;
    }
    try {
      await api(`/api/workspaces/${workspace.id}?confirm=${encodeURIComponent(workspace.name)}`, { method: 'DELETE' });
      toast(`Deleted ${workspace.name}.`, 'success');
      onDeleted();
    } catch (error) {
      toast(describeError(error), 'error');
    }
  });
  return button;
}

async function branchPanel(card: CardState, actions: CardActions): Promise<HTMLElement> {
  const branches = await api<Branches>(`/api/workspaces/${card.workspace.id}/branches`);
  const names = new Set<string>();
  for (const branch of branches.local) names.add(branch.name);
  for (const branch of branches.remote) names.add(branch.name);
  const select = h('select', { name: 'branch' }, [...names].sort().map((name) => h('option', { value: name, selected: name === branches.current }, name)));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Switch');
  const form = h('form', { class: 'inline-form', 'aria-label': `Switch branch of ${card.workspace.name}` }, field('Branch', select), submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void runAction(card, submit, () => api(`/api/workspaces/${card.workspace.id}/switch`, { method: 'POST', body: { branch: select.value } }), `Switched to ${select.value}.`, actions);
  });
  const headingId = `branch-${card.workspace.id}-title`;
  return h('section', { class: 'panel-section', 'aria-labelledby': headingId }, h('h3', { id: headingId }, 'Switch branch'), form);
}

async function envPanel(workspace: Workspace): Promise<HTMLElement> {
  const headingId = `env-${workspace.id}-title`;
  const container = h('section', { class: 'panel-section env-panel', 'aria-labelledby': headingId }, h('h3', { id: headingId }, 'Environment variables'));
  const list = h('ul', { class: 'env-list', 'aria-label': `Environment variables of ${workspace.name}` });
  const load = async () => {
    const { variables } = await api<{ variables: EnvVariable[] }>(`/api/workspaces/${workspace.id}/env`);
    list.replaceChildren(
      ...(variables.length === 0
        ? [h('li', { class: 'muted' }, 'No variables. New terminals of this workspace get the ones you add here.')]
        : variables.map((variable) => {
            const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${variable.name}` }, 'Remove');
            remove.addEventListener('click', async () => {
              try {
                await api(`/api/workspaces/${workspace.id}/env/${encodeURIComponent(variable.name)}`, { method: 'DELETE' });
                await load();
                toast(`Removed ${variable.name}.`, 'success');
              } catch (error) {
                toast(describeError(error), 'error');
              }
            });
            return h('li', {}, h('code', {}, variable.name), ' = ', variable.secret ? h('em', {}, 'secret') : h('code', {}, variable.value ?? ''), remove);
          })),
    );
  };
  // Checked by checkEnvName (the server's rule, in words) rather than a pattern the browser explains vaguely.
  const name = h('input', { type: 'text', name: 'name', 'aria-required': 'true', autocomplete: 'off', spellcheck: 'false' });
  name.addEventListener('input', () => {
    if (name.getAttribute('aria-invalid') === 'true' && checkEnvName(name.value).ok) setFieldError(name, null);
  });
  const value = h('input', { type: 'text', name: 'value', autocomplete: 'off', spellcheck: 'false' });
  const secret = h('input', { type: 'checkbox', name: 'secret' });
  secret.id = `env-secret-${workspace.id}`;
  // A secret is not shown while it is typed either (screen sharing); chosen before the value.
  const maskValue = () => {
    value.type = secret.checked ? 'password' : 'text';
    value.autocomplete = secret.checked ? 'new-password' : 'off';
  };
  secret.addEventListener('change', maskValue);
  const form = h(
    'form',
    { class: 'inline-form env-form', 'aria-label': `Add a variable to ${workspace.name}` },
    h('div', { class: 'checkbox' }, secret, h('label', { for: secret.id }, 'Secret (stored encrypted, never shown again)')),
    field('Name', name, 'Letters, digits and _; for example API_KEY.'),
    field('Value', value),
    h('button', { type: 'submit', class: 'primary' }, 'Save variable'),
  );
  form.addEventListener('reset', () => setTimeout(maskValue));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const checked = checkEnvName(name.value);
    setFieldError(name, checked.ok ? null : checked.message);
    if (!checked.ok) {
      name.focus();
      return;
    }
    try {
      await api(`/api/workspaces/${workspace.id}/env/${encodeURIComponent(name.value)}`, { method: 'PUT', body: { value: value.value, secret: secret.checked } });
      const saved = name.value;
      form.reset();
      // The list first, then the toast: the form has moved down by then, and the toast keeps clear of it.
      await load();
      toast(`Saved ${saved}. New terminals get it.`, 'success');
    } catch (error) {
      toast(describeError(error), 'error');
    }
  });
  await load();
  container.append(list, form);
  return container;
}
