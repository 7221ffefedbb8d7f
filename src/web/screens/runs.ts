// A workspace's agent runs (issue 21 §1): start a Claude Code or Codex run, the list with status
// and cost, and one run's transcript (tool calls folded), followed live over /api/runs/:id/stream.
// The words and the folding are run-model.ts's; the API is docs/api.md, "Agent runs".
import type { BudgetView } from '../../shared/usage.js';
import { budgetNotice } from './usage-cards.js';
import { mcpPicker } from './mcp-picker.js';
import './runs.css';
import { api, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { field, h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import type { Workspace } from '../app/types.js';
import { FINISHED_RUN_STATUSES, PERMISSION_MODES, RUN_AGENT_NAMES, RUN_AGENTS, RUN_LIMITS, type RunAgent, type RunEventView, type RunView } from '../../shared/runs.js';
import { approvalOutcome, DEFAULT_MODELS, formatCost, PERMISSION_HINTS, placeText, RUN_STATUS_TEXT, takesToolRules, transcriptItems, type TranscriptItem } from './run-model.js';
import { answerApproval } from './approval-answer.js';
const LIST_REFRESH_MS = 5000;

const isFinished = (run: RunView) => FINISHED_RUN_STATUSES.includes(run.status);
const excerpt = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A permission request of the run's agent: Allow and Deny while it waits, then how it was settled. */
function approvalView(item: Extract<TranscriptItem, { kind: 'approval' }>): HTMLElement {
  const outcome = approvalOutcome(item);
  const note = h('p', { class: 'run-approval-note', role: 'status' }, outcome ?? 'Waiting for your answer.');
  const answer = (decision: 'allow' | 'deny') => async (event: Event) => {
    const buttons = (event.currentTarget as HTMLElement).parentElement!;
    for (const button of buttons.querySelectorAll('button')) button.disabled = true;
    const result = await answerApproval(item.approvalId, decision);
    // The settled request comes back through the transcript; a refusal says why here.
    if (!result.ok) {
      note.textContent = result.message;
      if (!result.stale) for (const button of buttons.querySelectorAll('button')) button.disabled = false;
    }
  };
  return h(
    'div',
    { class: `run-approval run-approval-${item.status}`, 'data-approval-id': item.approvalId },
    h('p', {}, h('strong', {}, `Asks to use ${item.tool}: `), h('code', {}, excerpt(item.summary, 300))),
    note,
    outcome === null ? h('div', { class: 'run-approval-actions' }, h('button', { type: 'button', class: 'primary', onclick: answer('allow') }, 'Allow'), h('button', { type: 'button', onclick: answer('deny') }, 'Deny')) : null,
  );
}

function itemView(item: TranscriptItem): HTMLElement {
  if (item.kind === 'text') return h('div', { class: 'run-text' }, item.text);
  if (item.kind === 'approval') return approvalView(item);
  if (item.kind === 'note') return h('p', { class: 'run-note muted' }, item.text);
  if (item.kind === 'error') return h('p', { class: 'run-note error-text' }, item.text);
  if (item.kind === 'files') return h('ul', { class: 'run-files' }, ...item.changes.map((change) => h('li', {}, `${change.text} `, h('code', {}, change.path))));
  return h(
    'details',
    { class: item.isError ? 'run-tool run-tool-error' : 'run-tool' },
    h('summary', {}, h('strong', {}, item.name), ' ', h('code', {}, excerpt(item.input, 120)), item.result === null ? ' …' : item.isError ? ' (failed)' : ''),
    h('pre', { class: 'run-tool-input' }, item.input),
    item.result === null ? null : h('pre', { class: 'run-tool-result' }, item.result),
  );
}

export const runsScreen: Screen = {
  title: 'Agent runs',
  async render(main, context) {
    const id = context.params.workspaceId ?? '';
    const base = `/api/workspaces/${encodeURIComponent(id)}`;
    let disposed = false;
    let stream: EventSource | null = null;
    context.onDispose(() => {
      disposed = true;
      stream?.close();
    });

    const where = h('p', { class: 'muted' });
    const budgetLine = h('div', { class: 'run-budget' });
    const list = h('div', { class: 'run-list' }, h('p', { class: 'muted', role: 'status' }, 'Loading the runs…'));
    const detail = h('section', { class: 'run-detail', 'aria-live': 'polite' });

    const prompt = h('textarea', { rows: '4', maxlength: String(RUN_LIMITS.promptChars), required: true, placeholder: 'What should the agent do?' });
    const agent = h('select', {}, ...RUN_AGENTS.map((value) => h('option', { value, selected: value === 'claude' }, RUN_AGENT_NAMES[value])));
    const model = h('input', { type: 'text', value: DEFAULT_MODELS.claude, required: true, spellcheck: 'false' });
    const mode = h('select', {}, ...PERMISSION_MODES.map((value) => h('option', { value, selected: value === 'acceptEdits' }, value)));
    const allowed = h('input', { type: 'text', placeholder: 'Bash(npm test:*), Read', spellcheck: 'false' });
    const inWorktree = h('input', { type: 'checkbox', checked: true });
    const start = h('button', { type: 'submit', class: 'primary' }, 'Start run');
    const modeField = field('Permission mode', mode, PERMISSION_HINTS.claude);
    const allowedField = field('Allowed tools', allowed, 'Rules separated by commas; empty: the mode decides.');
    const mcp = mcpPicker();
    const form = h('form', { class: 'run-form' }, field('Prompt', prompt), field('Agent', agent), field('Model', model), modeField, allowedField, mcp.element, field('In a new worktree', inWorktree, 'A git worktree of its own on a new branch, removed once the branch is merged or deleted; unticked: the workspace itself.'), start);
    const chosenAgent = () => agent.value as RunAgent;
    let lastAgent: RunAgent = 'claude';
    agent.addEventListener('change', () => {
      const next = chosenAgent();
      // A model still at the previous agent's default follows the agent; one typed in stays.
      if (model.value.trim() === DEFAULT_MODELS[lastAgent]) model.value = DEFAULT_MODELS[next];
      lastAgent = next;
      const hint = modeField.querySelector('.hint');
      if (hint) hint.textContent = PERMISSION_HINTS[next];
      allowedField.hidden = !takesToolRules(next);
      mcp.setAgent(next);
    });

    main.append(
      h('div', { class: 'screen-header' }, h('h1', {}, 'Agent runs'), h('div', { class: 'screen-header-actions' }, h('a', { class: 'button', href: '/workspaces' }, 'All workspaces'), h('a', { class: 'button', href: `/terminals/${encodeURIComponent(id)}` }, 'Open terminal'))),
      where,
      form,
      budgetLine,
      list,
      detail,
    );

    let selected = context.query.get('run');

    // The monthly budget's warning, and why queued runs wait when it holds the queue (usage-cards.ts).
    let budgetPaused = false;
    const renderList = (runs: RunView[]) => {
      if (runs.length === 0) {
        list.replaceChildren(h('p', { class: 'muted' }, 'No runs yet.'));
        return;
      }
      list.replaceChildren(
        h(
          'ul',
          { class: 'run-rows' },
          ...runs.map((run) =>
            h(
              'li',
              { class: run.id === selected ? 'run-row selected' : 'run-row' },
              h('a', { href: `/workspaces/${encodeURIComponent(id)}/runs?run=${encodeURIComponent(run.id)}`, onclick: (event: Event) => (event.preventDefault(), select(run.id)) }, excerpt(run.prompt)),
              h('span', { class: `run-status run-status-${run.status}` }, RUN_STATUS_TEXT[run.status], run.status === 'queued' && budgetPaused ? ' — held: the monthly budget is reached' : ''),
              h('span', { class: 'run-cost', title: 'Cost priced by Shellport' }, formatCost(run.costUsd)),
            ),
          ),
        ),
      );
    };

    const refreshList = async () => {
      try {
        // The budget is a notice beside the list: the list shows without it.
        const [{ runs }, budget] = await Promise.all([api<{ runs: RunView[] }>(`${base}/runs`), api<{ budget: BudgetView }>('/api/budget').then((body) => body.budget, () => null)]);
        if (disposed) return;
        budgetPaused = budget?.paused ?? false;
        const notice = budget && budgetNotice(budget, () => void refreshList());
        budgetLine.replaceChildren(...(notice ? [notice] : []));
        renderList(runs);
      } catch (error) {
        if (!disposed) list.replaceChildren(h('p', { class: 'error-text' }, describeError(error)));
      }
    };

    const act = async (path: string, body?: unknown) => {
      try {
        const { run } = await api<{ run: RunView }>(path, { method: 'POST', ...(body === undefined ? {} : { body }) });
        await refreshList();
        await select(run.id);
      } catch (error) {
        toast(describeError(error), 'error');
      }
    };

    async function select(runId: string) {
      selected = runId;
      // The address names the run (a reload shows it again) without rendering the screen anew, as navigate() would.
      history.replaceState(history.state, '', `/workspaces/${encodeURIComponent(id)}/runs?run=${encodeURIComponent(runId)}`);
      stream?.close();
      stream = null;
      let run: RunView;
      try {
        run = (await api<{ run: RunView }>(`/api/runs/${encodeURIComponent(runId)}`)).run;
      } catch (error) {
        detail.replaceChildren(h('p', { class: 'error-text' }, describeError(error)));
        return;
      }
      if (disposed || selected !== runId) return;
      const events: RunEventView[] = [];
      const transcript = h('div', { class: 'run-transcript' });
      const summary = h('p', { class: 'run-summary' });
      const follow = h('textarea', { rows: '2', maxlength: String(RUN_LIMITS.promptChars), placeholder: 'A follow-up for the same session' });
      const actions = h('div', { class: 'run-actions' });
      const drawSummary = () => {
        summary.replaceChildren(
          `${RUN_STATUS_TEXT[run.status]} · attempt ${run.attempts} of ${run.maxAttempts} · ${run.usage.input + run.usage.cacheRead + run.usage.cacheWrite} tokens in, ${run.usage.output} out · ${formatCost(run.costUsd)}`,
          run.error ? h('span', { class: 'error-text' }, ` · ${run.error}`) : '',
        );
        const finished = isFinished(run);
        const buttons: (HTMLElement | null)[] = [
          finished ? null : h('button', { type: 'button', onclick: () => void act(`/api/runs/${encodeURIComponent(run.id)}/cancel`) }, 'Cancel'),
          finished && run.status !== 'succeeded' ? h('button', { type: 'button', onclick: () => void act(`/api/runs/${encodeURIComponent(run.id)}/retry`) }, 'Retry') : null,
          // Its changes: the run's worktree while it has one, else the workspace (where a run without one worked).
          finished && (run.worktreePath || !run.worktree)
            ? h('a', { class: 'button', 'data-action': 'review-run', href: `/workspaces/${encodeURIComponent(run.workspaceId)}/review${run.worktreePath ? `?run=${encodeURIComponent(run.id)}` : ''}` }, 'Review changes')
            : null,
          // The agent's own terminal: what it printed, as it printed it (live while it runs).
          run.terminalId
            ? h('a', { class: 'button', 'data-action': 'run-terminal', href: `/terminals/${encodeURIComponent(run.workspaceId)}?session=${encodeURIComponent(run.terminalId)}` }, 'Terminal')
            : null,
          finished && run.agentSessionId
            ? h('form', { class: 'run-follow-up', onsubmit: (event: Event) => (event.preventDefault(), follow.value.trim() && void act(`/api/runs/${encodeURIComponent(run.id)}/continue`, { prompt: follow.value.trim() })) }, field('Follow-up', follow), h('button', { type: 'submit' }, 'Continue'))
            : null,
        ];
        actions.replaceChildren(...buttons.filter((element): element is HTMLElement => element !== null));
      };
      const draw = () => transcript.replaceChildren(...transcriptItems(events).map(itemView));
      drawSummary();
      detail.replaceChildren(h('h2', {}, 'Run'), h('p', { class: 'run-prompt' }, run.prompt), summary, h('p', { class: 'run-place muted' }, placeText(run)), ...(run.mcpServers.length > 0 ? [h('p', { class: 'run-mcp muted' }, `MCP servers: ${run.mcpServers.join(', ')}`)] : []), actions, transcript);
      // The stream replays the stored transcript, then follows it live until the run ends.
      stream = new EventSource(`/api/runs/${encodeURIComponent(runId)}/stream`);
      const onEvent = (message: MessageEvent<string>) => {
        const event = JSON.parse(message.data) as RunEventView;
        if (events.length > 0 && event.seq <= events[events.length - 1]!.seq) return;
        events.push(event);
        draw();
        // The server ends the stream after the final status; EventSource would connect again.
        if (event.type === 'status' && FINISHED_RUN_STATUSES.includes(event.payload.status as RunView['status'])) stream?.close();
        if (event.type === 'status') {
          void api<{ run: RunView }>(`/api/runs/${encodeURIComponent(runId)}`).then(({ run: fresh }) => {
            if (disposed || selected !== runId) return;
            run = fresh;
            drawSummary();
            void refreshList();
            if (isFinished(fresh)) stream?.close();
          }, () => {});
        }
      };
      stream.onmessage = onEvent;
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const allowedTools = takesToolRules(chosenAgent()) ? allowed.value.split(',').map((rule) => rule.trim()).filter(Boolean) : [];
      start.disabled = true;
      void act(`${base}/runs`, { prompt: prompt.value, agent: chosenAgent(), model: model.value.trim(), permissionMode: mode.value, worktree: inWorktree.checked, ...(allowedTools.length > 0 ? { allowedTools } : {}), ...(mcp.chosen().length > 0 ? { mcpServers: mcp.chosen() } : {}) }).finally(() => {
        start.disabled = false;
        prompt.value = '';
      });
    });

    try {
      const { workspace } = await api<{ workspace: Workspace }>(base);
      where.textContent = `Claude Code or Codex in ${workspace.name}: each run in a worktree of its own (or the workspace itself), one at a time in each.`;
    } catch (error) {
      where.textContent = describeError(error);
    }
    await refreshList();
    if (selected) await select(selected);
    const timer = window.setInterval(() => void refreshList(), LIST_REFRESH_MS);
    context.onDispose(() => window.clearInterval(timer));
  },
};
