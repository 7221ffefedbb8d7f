// Review and ship a workspace's changes from a phone (issue 21 §2): the changed files in words, each
// file's diff, then Commit, Push, Open pull request and Discard. The diff is drawn by review-diff.ts
// from the DOM-free review-model.ts; the API is docs/api.md, "Review and ship".
import './review.css';
import { api, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { confirmDialog } from '../app/dialog.js';
import { field, h, uid } from '../app/dom.js';
import { toast } from '../app/toast.js';
import type { Branches, GitStatus, Workspace } from '../app/types.js';
import { describeCounts, type CommitResult, type DiffView, type DiscardPreview, type PullRequestView, type PushResult, type ReviewProposal } from '../../shared/review.js';
import { FINISHED_RUN_STATUSES, RUN_AGENT_NAMES, type RunView } from '../../shared/runs.js';
import { deviceStorage } from '../terminals/font-size.js';
import { commentedLineNumber, commentsPrompt, ReviewComments } from './review-comments.js';
import { diffBody, type DiffLayout, type LineActions, type LineTarget } from './review-diff.js';
import { opensAtFirst } from './review-model.js';

/** From this width the diff shows the old and new lines side by side. */
const WIDE = '(min-width: 960px)';

type PullState = { pullRequest: PullRequestView | null; error: string | null };

interface ReviewState {
  workspace: Workspace;
  status: GitStatus;
  diff: DiffView;
  proposal: ReviewProposal;
  branches: Branches;
  pull: PullState;
}

const commits = (n: number) => (n === 1 ? '1 commit' : `${n} commits`);
const files = (n: number) => (n === 1 ? '1 file' : `${n} files`);

export const reviewScreen: Screen = {
  title: 'Review changes',
  async render(main, context) {
    const id = context.params.workspaceId ?? '';
    const base = `/api/workspaces/${encodeURIComponent(id)}`;
    const wide = window.matchMedia(WIDE);
    const layout = (): DiffLayout => (wide.matches ? 'split' : 'unified');
    // The compared base (empty: uncommitted changes) and what the owner typed, kept across reloads.
    let compareWith = '';
    let prBase: string | null = null;
    const typed: { title?: string; body?: string } = {};
    let busy = false;

    // Comments on lines, kept on this device until sent to the agent (review-comments.ts).
    const runId = context.query.get('run');
    /** A review route of this workspace, with the run whose worktree is reviewed (`?run=`), if any. */
    const at = (route: string, params: Record<string, string> = {}) => {
      const query = new URLSearchParams({ ...params, ...(runId ? { run: runId } : {}) }).toString();
      return `${base}/${route}${query ? `?${query}` : ''}`;
    };
    const comments = new ReviewComments(deviceStorage(), `shellport.review.comments.${id}${runId ? `.${runId}` : ''}`);

    const heading = h('h1', {}, 'Review changes');
    const where = h('p', { class: 'rv-where' });
    const content = h('div', { class: 'rv-content' }, h('p', { class: 'muted', role: 'status' }, 'Loading the changes…'));
    main.append(
      h('div', { class: 'screen-header' }, heading, h('div', { class: 'screen-header-actions' }, h('a', { class: 'button', href: '/workspaces' }, 'All workspaces'), h('a', { class: 'button', href: `/terminals/${encodeURIComponent(id)}` }, 'Open terminal'))),
      where,
      content,
    );

    const pullOf = async (workspace: Workspace): Promise<PullState> => {
      if (!workspace.githubRepo) return { pullRequest: null, error: null };
      try {
        return { pullRequest: (await api<{ pullRequest: PullRequestView | null }>(at('pull-request'))).pullRequest, error: null };
      } catch (error) {
        return { pullRequest: null, error: describeError(error) };
      }
    };

    const load = async (): Promise<ReviewState> => {
      const [{ workspace }, { status, branches }, { diff }] = await Promise.all([
        api<{ workspace: Workspace }>(base),
        api<{ status: GitStatus; branches: Branches }>(at('review-state')),
        api<{ diff: DiffView }>(at('diff', compareWith ? { base: compareWith } : {})),
      ]);
      prBase ??= workspace.defaultBranch ?? 'main';
      const [{ proposal }, pull] = await Promise.all([api<{ proposal: ReviewProposal }>(at('proposal', { base: prBase })), pullOf(workspace)]);
      return { workspace, status, diff, proposal, branches, pull };
    };

    /** Runs an action with the screen's buttons marked busy, then shows the workspace as it is now. */
    const act = async (button: HTMLButtonElement, action: () => Promise<string | null>) => {
      if (busy) return;
      busy = true;
      button.setAttribute('aria-disabled', 'true');
      button.setAttribute('aria-busy', 'true');
      try {
        const said = await action();
        await refresh();
        if (said) toast(said, 'success');
      } catch (error) {
        await refresh().catch(() => undefined);
        toast(describeError(error), 'error');
      } finally {
        busy = false;
        button.removeAttribute('aria-disabled');
        button.removeAttribute('aria-busy');
      }
    };

    const refresh = async () => {
      const state = await load();
      if (!main.isConnected) return;
      heading.textContent = runId ? `Review ${state.workspace.name}: an agent run` : `Review ${state.workspace.name}`;
      where.replaceChildren(...describeWhere(state.status));
      const focused = document.activeElement instanceof HTMLElement && content.contains(document.activeElement) ? document.activeElement.dataset.action : undefined;
      // The changes, their diffs, then what to do with them; a button in the first jumps to the last.
      const ship = shipSection(state);
      content.replaceChildren(changesSection(state, ship), filesSection(state), commentsCard, ship);
      drawComments();
      if (focused) content.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
    };

    // —— Changes: the summary, what to compare with, the list of files ——
    const fileSections = new Map<string, { details: HTMLDetailsElement; render: (force?: boolean) => void }>();

    const changesSection = ({ diff, branches }: ReviewState, ship: HTMLElement) => {
      const titleId = uid('rv-changes');
      const compare = h(
        'select',
        { name: 'compare', 'data-action': 'compare' },
        h('option', { value: '' }, 'Uncommitted changes'),
        branches.remote.map((b) => h('option', { value: `origin/${b.name}`, selected: compareWith === `origin/${b.name}` }, `Everything since origin/${b.name}`)),
      );
      compare.value = compareWith;
      compare.addEventListener('change', () => {
        compareWith = compare.value;
        void refresh().catch((error: unknown) => toast(describeError(error), 'error'));
      });
      const list = h(
        'ul',
        { class: 'rv-files', 'aria-label': 'Changed files' },
        diff.files.map((file) => {
          const jump = h('button', { type: 'button', class: 'rv-jump' }, h('span', { class: 'rv-path' }, file.path), h('span', { class: 'rv-what' }, `${file.summary} · ${describeCounts(file)}`));
          jump.addEventListener('click', () => {
            const section = fileSections.get(file.path);
            if (!section) return;
            section.details.open = true;
            section.render();
            section.details.scrollIntoView({ block: 'start' });
            section.details.querySelector<HTMLElement>('summary')?.focus({ preventScroll: true });
          });
          return h('li', { 'data-status': file.status }, jump);
        }),
      );
      const toShip = h('button', { type: 'button', 'data-action': 'to-ship' }, 'Commit and share \u2193');
      toShip.addEventListener('click', () => {
        ship.scrollIntoView({ block: 'start' });
        ship.querySelector<HTMLElement>('textarea, button:not(:disabled)')?.focus({ preventScroll: true });
      });
      const total = diff.totals;
      const summary =
        total.files === 0
          ? compareWith
            ? `No differences from ${compareWith}.`
            : 'No uncommitted changes.'
          : `${files(total.files)} changed: ${total.additions} ${total.additions === 1 ? 'line' : 'lines'} added, ${total.deletions} removed.`;
      return h(
        'section',
        { class: 'card rv-changes', 'aria-labelledby': titleId },
        h('h2', { id: titleId }, 'Changes'),
        field('Compare with', compare),
        h('p', { class: 'rv-summary', role: 'status' }, summary),
        diff.omittedFiles > 0 ? h('p', { class: 'hint' }, `${files(diff.omittedFiles)} more changed; only the first ${diff.files.length} are listed. A terminal shows them all.`) : null,
        diff.files.length > 0 ? list : null,
        diff.files.length > 0 ? h('div', { class: 'actions' }, toShip) : null,
      );
    };

    // —— Each file's diff, drawn when its section opens ——
    const filesSection = ({ diff }: ReviewState) => {
      fileSections.clear();
      const container = h('div', { class: 'rv-file-list' });
      diff.files.forEach((file, index) => {
        const lineCount = file.hunks.reduce((sum, hunk) => sum + hunk.lines.length, 0);
        const body = h('div', { class: 'rv-body' });
        let drawn: DiffLayout | null = null;
        const render = (force = false) => {
          if (drawn === layout() && !force) return;
          drawn = layout();
          body.replaceChildren(diffBody(file, drawn, lineActions));
        };
        const details = h(
          'details',
          { class: 'rv-file', 'data-path': file.path, 'data-status': file.status, open: opensAtFirst(index, lineCount) },
          h('summary', {}, h('span', { class: 'rv-path' }, file.path), h('span', { class: 'rv-what' }, `${file.summary} · ${describeCounts(file)}`)),
          body,
        );
        details.addEventListener('toggle', () => {
          if (details.open) render();
        });
        if (details.open) render();
        fileSections.set(file.path, { details, render });
        container.append(details);
      });
      return container;
    };
    /** Draws the open files again: for the new layout, or (`force`) for the comment counts. */
    const relayout = (force = false) => {
      for (const { details, render } of fileSections.values()) if (details.open) render(force);
    };
    const onWidthChange = () => relayout();
    wide.addEventListener('change', onWidthChange);
    context.onDispose(() => wide.removeEventListener('change', onWidthChange));

    // —— Comments on lines, then sent to the agent as the next prompt of its conversation ——
    const commentsCard = h('section', { class: 'card rv-comments', 'aria-labelledby': uid('rv-comments') });
    const commentLabel = (target: LineTarget) => `${comments.on(target.path, target.line).length || ''}`;
    const lineActions: LineActions = (target) => {
      const number = commentedLineNumber(target.line);
      if (number === null) return null;
      const count = h('span', { class: 'rv-comment-count' }, commentLabel(target));
      const button = h('button', { type: 'button', class: 'rv-comment-button', 'data-action': 'comment-line', 'aria-label': `Comment on ${target.path}, line ${number}` }, '+', count);
      button.addEventListener('click', () => openCommentForm(button, target, () => (count.textContent = commentLabel(target))));
      return button;
    };

    const openCommentForm = (button: HTMLElement, target: LineTarget, counted: () => void) => {
      const row = button.closest('.rv-row') ?? button.closest('.rv-line');
      if (!row) return;
      const open = row.nextElementSibling;
      if (open instanceof HTMLFormElement && open.classList.contains('rv-comment-form')) {
        open.querySelector('textarea')?.focus();
        return;
      }
      const number = commentedLineNumber(target.line);
      const text = h('textarea', { rows: 3, name: 'comment', 'aria-label': `Comment on ${target.path}, line ${number}`, placeholder: 'What should the agent change here?' });
      const cancel = h('button', { type: 'button' }, 'Cancel');
      const form = h('form', { class: 'rv-comment-form' }, text, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-action': 'add-comment' }, 'Add comment'), cancel));
      const close = () => {
        form.remove();
        button.focus();
      };
      cancel.addEventListener('click', close);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (!comments.add(target.path, target.line, text.value)) return text.focus();
        counted();
        drawComments();
        close();
      });
      row.after(form);
      text.focus();
    };

    /** The run the comments go to: the reviewed run, else the workspace's newest finished run that has a conversation. */
    const runToContinue = async (): Promise<RunView | null> => {
      if (runId) return (await api<{ run: RunView }>(`/api/runs/${encodeURIComponent(runId)}`)).run;
      const { runs } = await api<{ runs: RunView[] }>(`${base}/runs`);
      return runs.find((run) => FINISHED_RUN_STATUSES.includes(run.status) && run.agentSessionId !== null) ?? null;
    };

    const drawComments = () => {
      const titleId = commentsCard.getAttribute('aria-labelledby')!;
      const list = comments.list();
      commentsCard.hidden = list.length === 0;
      if (list.length === 0) return commentsCard.replaceChildren();
      const send = h('button', { type: 'button', class: 'primary', 'data-action': 'send-comments' }, list.length === 1 ? 'Send the comment to the agent' : `Send ${list.length} comments to the agent`);
      send.addEventListener('click', () =>
        void act(send, async () => {
          const run = await runToContinue();
          if (!run) return 'No finished agent run of this workspace has a conversation to continue: start one from Runs; the comments stay here.';
          if (!FINISHED_RUN_STATUSES.includes(run.status)) return `The run is still ${run.status}: send the comments once it has finished.`;
          const { run: next } = await api<{ run: RunView }>(`/api/runs/${encodeURIComponent(run.id)}/continue`, { method: 'POST', body: { prompt: commentsPrompt(list) } });
          comments.clear();
          context.navigate(`/workspaces/${encodeURIComponent(id)}/runs?run=${encodeURIComponent(next.id)}`);
          return `Sent to ${RUN_AGENT_NAMES[next.agent]} as a follow-up.`;
        }),
      );
      commentsCard.replaceChildren(
        h('h2', { id: titleId }, 'Comments for the agent'),
        h(
          'ul',
          { class: 'rv-comment-list' },
          list.map((comment) => {
            const remove = h('button', { type: 'button', class: 'rv-comment-remove', 'aria-label': `Remove the comment on ${comment.path}, line ${comment.line}` }, 'Remove');
            remove.addEventListener('click', () => {
              comments.remove(comment.id);
              drawComments();
              relayout(true);
            });
            return h('li', {}, h('span', { class: 'rv-path' }, `${comment.path}:${comment.line}`), h('p', { class: 'rv-comment-text' }, comment.text), remove);
          }),
        ),
        h('p', { class: 'hint' }, runId ? 'They continue this run\'s conversation as one prompt.' : 'They continue the newest finished run\'s conversation as one prompt.'),
        h('div', { class: 'actions' }, send),
      );
    };

    // —— Commit, push, pull request, discard ——
    const shipSection = (state: ReviewState) => {
      const titleId = uid('rv-ship');
      return h(
        'section',
        { class: 'card rv-ship', 'aria-labelledby': titleId },
        h('h2', { id: titleId }, 'Commit and share'),
        commitForm(state),
        pushPart(state),
        pullRequestPart(state),
        discardPart(state),
      );
    };

    const commitForm = ({ status, proposal }: ReviewState) => {
      const message = h('textarea', { name: 'message', rows: 5, spellcheck: 'true', 'data-action': 'commit-message' });
      message.value = proposal.commitMessage;
      const submit = h('button', { type: 'submit', class: 'primary', 'data-action': 'commit', disabled: status.changedFiles === 0 }, status.changedFiles === 0 ? 'Nothing to commit' : `Commit ${files(status.changedFiles)}`);
      const who = context.me?.owner?.login ? ` as @${context.me.owner.login}` : '';
      const form = h(
        'form',
        { class: 'rv-part', 'aria-label': 'Commit' },
        h('h3', {}, 'Commit'),
        field('Commit message', message, `Commits every changed file${who}; files your .gitignore lists stay out.`),
        h('div', { class: 'actions' }, submit),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void act(submit, async () => {
          const { commit } = await api<CommitResult>(at('commit'), { method: 'POST', body: { message: message.value } });
          return `Committed ${commit.sha.slice(0, 7)}: ${commit.subject}`;
        });
      });
      return form;
    };

    const pushPart = ({ status }: ReviewState) => {
      const branch = status.detached ? null : status.branch;
      const pushed = branch !== null && status.upstream === `origin/${branch}`;
      const upToDate = pushed && status.ahead === 0;
      const button = h('button', { type: 'button', 'data-action': 'push', disabled: branch === null || upToDate }, branch ? `Push ${branch}` : 'Push');
      button.addEventListener('click', () =>
        void act(button, async () => {
          const { pushed: result } = await api<PushResult>(at('push'), { method: 'POST', body: {} });
          return result.createdBranch ? `Pushed ${result.branch} to origin (a new branch there).` : `Pushed ${commits(result.commits)} to ${result.upstream}.`;
        }),
      );
      const text = branch === null ? 'The workspace is on a detached commit: switch to a branch to push.' : !pushed ? `${branch} is not on origin yet: Push creates it there.` : upToDate ? `origin/${branch} has every commit.` : `${commits(status.ahead)} to push to origin/${branch}.`;
      return h('div', { class: 'rv-part' }, h('h3', {}, 'Push'), h('p', { class: 'hint' }, text), h('div', { class: 'actions' }, button));
    };

    const pullRequestPart = ({ workspace, status, proposal, branches, pull }: ReviewState) => {
      const part = h('div', { class: 'rv-part rv-pull' }, h('h3', {}, 'Pull request'));
      if (!workspace.githubRepo || pull.pullRequest) {
        part.append(pull.pullRequest ? pullRequestLink(pull.pullRequest) : h('p', { class: 'hint' }, 'Pull requests are opened on GitHub; this workspace was cloned from elsewhere.'));
        return part;
      }
      if (pull.error) part.append(h('p', { class: 'error-text' }, pull.error));
      const branch = status.detached ? null : status.branch;
      const title = h('input', { type: 'text', name: 'title', maxlength: 256, autocomplete: 'off', 'data-action': 'pr-title' });
      title.value = typed.title ?? proposal.pullRequest.title;
      title.addEventListener('input', () => (typed.title = title.value));
      const description = h('textarea', { name: 'body', rows: 5, 'data-action': 'pr-body' });
      description.value = typed.body ?? proposal.pullRequest.body;
      description.addEventListener('input', () => (typed.body = description.value));
      const names = [...new Set([...branches.remote.map((b) => b.name), ...branches.local.map((b) => b.name)])].filter((name) => name !== branch).sort();
      const baseSelect = h('select', { name: 'base', 'data-action': 'pr-base' }, names.map((name) => h('option', { value: name, selected: name === prBase }, name)));
      baseSelect.addEventListener('change', () => {
        prBase = baseSelect.value;
        // The proposal follows the base (its commits), unless the owner has written their own.
        void refresh().catch((error: unknown) => toast(describeError(error), 'error'));
      });
      const draft = h('input', { type: 'checkbox', name: 'draft', id: uid('rv-draft') });
      const submit = h('button', { type: 'submit', class: 'primary', 'data-action': 'open-pull-request', disabled: branch === null }, 'Open pull request');
      const notPushed = branch !== null && (status.upstream !== `origin/${branch}` || status.ahead > 0);
      const form = h(
        'form',
        { 'aria-label': 'Open a pull request' },
        field('Title', title),
        field('Description', description),
        field('Merge into', baseSelect, branch ? `From ${branch}.` : undefined),
        h('div', { class: 'checkbox' }, draft, h('label', { for: draft.id }, 'Draft (not ready for review yet)')),
        notPushed ? h('p', { class: 'hint' }, `Push ${branch} first: GitHub only sees what origin has.`) : null,
        h('div', { class: 'actions' }, submit),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void act(submit, async () => {
          const { pullRequest } = await api<{ pullRequest: PullRequestView }>(at('pull-request'), {
            method: 'POST',
            body: { title: title.value, body: description.value, base: baseSelect.value, draft: draft.checked },
          });
          delete typed.title;
          delete typed.body;
          // Opened from the tap that asked for it; a browser that blocks it still has the link on the page.
          window.open(pullRequest.url, '_blank', 'noopener');
          return `Opened pull request #${pullRequest.number}.`;
        });
      });
      part.append(form);
      return part;
    };

    const discardPart = ({ status }: ReviewState) => {
      const button = h('button', { type: 'button', class: 'danger', 'data-action': 'discard', disabled: status.changedFiles === 0 }, 'Discard changes…');
      button.addEventListener('click', () =>
        void act(button, async () => {
          const { preview } = await api<{ preview: DiscardPreview }>(at('discard-preview'));
          if (preview.entries.length === 0) return 'There are no uncommitted changes to discard.';
          const confirmed = await confirmDialog({
            title: 'Discard uncommitted changes?',
            message: preview.summary,
            items: preview.entries.map((entry) => entry.description),
            confirmLabel: 'Discard changes',
            danger: true,
          });
          if (!confirmed) return null;
          await api(at('discard'), { method: 'POST', body: { confirm: true, token: preview.token } });
          return `Discarded the changes to ${files(new Set(preview.entries.map((e) => e.path)).size)}.`;
        }),
      );
      return h('div', { class: 'rv-part' }, h('h3', {}, 'Discard'), h('p', { class: 'hint' }, 'Throws away every uncommitted change; you see the list before anything goes.'), h('div', { class: 'actions' }, button));
    };

    try {
      await refresh();
    } catch (error) {
      content.replaceChildren(h('p', { role: 'alert', class: 'error-text' }, describeError(error)));
    }
  },
};

/** "octocat/hello · on feature · 2 commits to push" */
function describeWhere(status: GitStatus): (string | HTMLElement)[] {
  const parts: (string | HTMLElement)[] = [];
  parts.push(status.detached ? `Detached at ${status.commit?.slice(0, 7) ?? '?'}` : `On branch `, status.detached ? '' : h('strong', {}, status.branch ?? '?'));
  if (status.upstream) {
    if (status.ahead > 0) parts.push(` · ${commits(status.ahead)} to push`);
    if (status.behind > 0) parts.push(` · ${commits(status.behind)} to pull`);
  }
  return parts;
}

/** The pull request's link, in words: "#12 Add dark mode (draft) into main". */
function pullRequestLink(pull: PullRequestView): HTMLElement {
  return h(
    'p',
    { class: 'rv-pull-link' },
    'Open: ',
    h('a', { href: pull.url, target: '_blank', rel: 'noopener', 'data-action': 'pull-request-link' }, `#${pull.number} ${pull.title}`),
    pull.draft ? ' (draft)' : '',
    ` · ${pull.head} into ${pull.base}`,
  );
}

