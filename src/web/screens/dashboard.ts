// The dashboard (issue 20): every running terminal across the workspaces, the ones needing the owner
// first (the server sorts), each with its state in a sign, a word and a colour, where it runs, a small
// preview of its screen (issue 19 §3), how long it has been so, and its agent's task. A tap opens the terminal; a waiting
// approval is answered in place. The installed app opens here (its manifest's start_url).
import type { TerminalActivityState } from '../../shared/terminals.js';
import { api, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { h, uid } from '../app/dom.js';
import type { DashboardResponse, DashboardRun, DashboardTerminal } from '../app/types.js';
import { ACTIVITY_GLYPH, ACTIVITY_TEXT, describeActivity } from '../terminals/activity.js';
import { answerApproval } from './approval-answer.js';
import { agentName, durationText, terminalPath } from './attention-text.js';
import { RUN_STATUS_TEXT } from './run-model.js';

const REFRESH_MS = 4000;
const TICK_MS = 1000;

/** A terminal with nothing known of it still says something: "Idle". */
const STATE_WORDS: Record<TerminalActivityState, string> = { ...ACTIVITY_TEXT, idle: 'Idle' };
const STATE_GLYPHS: Record<TerminalActivityState, string> = { ...ACTIVITY_GLYPH, idle: '○' };

export const dashboardScreen: Screen = {
  title: 'Dashboard',
  async render(main, context) {
    const list = h('ul', { class: 'dash-list', 'aria-label': 'Running terminals' });
    const empty = h(
      'div',
      { class: 'empty', hidden: true },
      h('p', {}, 'No terminal is running.'),
      h('p', {}, h('a', { href: '/workspaces' }, 'Open one in a workspace'), ' or ', h('a', { href: '/terminals' }, 'in your home directory'), '.'),
    );
    const loadError = h('p', { class: 'error-text', role: 'alert', hidden: true });
    const summary = h('p', { class: 'dash-summary', role: 'status' });
    // Agent runs that have not ended (issue 21): above the terminals, since one may be waiting for you.
    const runList = h('ul', { class: 'dash-list dash-runs', 'aria-label': 'Agent runs' });
    const runSection = h('section', { class: 'dash-run-section', hidden: true }, h('h2', { class: 'dash-section-title' }, 'Agent runs'), runList);
    main.append(h('h1', {}, 'Dashboard'), summary, loadError, runSection, empty, list);

    let disposed = false;
    let timer = 0;
    let shown = '';
    const durations: { element: HTMLElement; since: number }[] = [];
    const tick = window.setInterval(() => {
      for (const duration of durations) duration.element.textContent = durationText(Date.now() - duration.since);
    }, TICK_MS);

    const render = (terminals: DashboardTerminal[], runs: DashboardRun[]) => {
      const needYou = terminals.filter((terminal) => terminal.activity?.needsYou || terminal.approvalId).length + runs.filter((run) => run.approvalId).length;
      const counts = [terminals.length > 0 ? `${terminals.length} running` : '', runs.length > 0 ? `${runs.length} ${runs.length === 1 ? 'run' : 'runs'}` : ''].filter(Boolean).join(' · ');
      summary.textContent = counts === '' ? '' : `${counts} · ${needYou === 0 ? 'none needs you' : needYou === 1 ? '1 needs you' : `${needYou} need you`}`;
      context.setPendingApprovals(terminals.filter((terminal) => terminal.approvalId).length + runs.filter((run) => run.approvalId).length);
      empty.hidden = terminals.length > 0;
      runSection.hidden = runs.length === 0;
      // Rebuilt only when something changed: a tap on a card is never lost to a refresh that changed nothing.
      const key = JSON.stringify([terminals, runs]);
      if (key === shown) return;
      shown = key;
      const focused = document.activeElement instanceof HTMLElement && main.contains(document.activeElement) ? focusKey(document.activeElement) : null;
      durations.length = 0;
      list.replaceChildren(...terminals.map((terminal) => card(terminal)));
      runList.replaceChildren(...runs.map((run) => runCard(run)));
      if (focused) main.querySelector<HTMLElement>(focused)?.focus();
    };

    const runCard = (run: DashboardRun): HTMLElement => {
      const titleId = uid('dash');
      const since = Date.parse(run.since);
      const duration = h('span', { class: 'dash-duration' }, durationText(Date.now() - since));
      durations.push({ element: duration, since });
      const state = run.approvalId ? 'approval' : run.status === 'running' ? 'working' : 'idle';
      return h(
        'li',
        { class: 'dash-terminal dash-run', 'data-run-id': run.id, 'data-activity': state, 'aria-labelledby': titleId },
        h(
          'div',
          { class: 'dash-head' },
          h('span', { class: 'status-badge', 'data-activity': state }, h('span', { class: 'status-glyph', 'aria-hidden': 'true' }, STATE_GLYPHS[state]), h('span', { class: 'status-word' }, run.approvalId ? 'Needs approval' : RUN_STATUS_TEXT[run.status])),
          h('span', { class: 'dash-for' }, 'for ', duration),
        ),
        h('h2', { class: 'dash-title', id: titleId }, h('a', { class: 'dash-open', href: `/workspaces/${encodeURIComponent(run.workspaceId)}/runs?run=${encodeURIComponent(run.id)}`, 'data-focus-key': `run-${run.id}` }, run.prompt)),
        h('p', { class: 'dash-place' }, [run.workspaceName ?? 'A workspace', run.agent].join(' · ')),
        run.approvalId ? approvalActions(run.approvalId, run.prompt) : null,
      );
    };

    const card = (terminal: DashboardTerminal): HTMLElement => {
      const state = terminal.activity?.state ?? 'idle';
      const titleId = uid('dash');
      const since = terminal.activity ? Date.parse(terminal.activity.since) : NaN;
      const duration = h('span', { class: 'dash-duration' });
      if (Number.isFinite(since)) {
        duration.textContent = durationText(Date.now() - since);
        durations.push({ element: duration, since });
      }
      const sentence = describeActivity(terminal.activity);
      const place = [terminal.workspaceName ?? 'Home', terminal.branch].filter(Boolean).join(' · ');
      const approval = terminal.approvalId ? approvalActions(terminal.approvalId, terminal.title) : null;
      return h(
        'li',
        {
          class: 'dash-terminal',
          'data-terminal-id': terminal.id,
          'data-activity': state,
          'data-needs-you': terminal.activity?.needsYou ? 'true' : null,
          'aria-labelledby': titleId,
        },
        h(
          'div',
          { class: 'dash-head' },
          h(
            'span',
            { class: 'status-badge', 'data-activity': state, title: sentence || STATE_WORDS[state] },
            h('span', { class: 'status-glyph', 'aria-hidden': 'true' }, STATE_GLYPHS[state]),
            h('span', { class: 'status-word' }, STATE_WORDS[state]),
          ),
          Number.isFinite(since) ? h('span', { class: 'dash-for' }, 'for ', duration) : null,
        ),
        h('h2', { class: 'dash-title', id: titleId }, h('a', { class: 'dash-open', href: terminalPath(terminal.workspaceId, terminal.id), 'data-focus-key': `open-${terminal.id}` }, terminal.title)),
        h('p', { class: 'dash-place' }, place),
        terminal.activity?.message ? h('p', { class: 'dash-message' }, terminal.activity.message) : null,
        terminal.agent
          ? h('p', { class: 'dash-agent' }, h('strong', {}, agentName(terminal.agent.name)), terminal.agent.task ? `: ${terminal.agent.task}` : '')
          : null,
        screenPreview(terminal.preview),
        approval,
      );
    };

    const approvalActions = (approvalId: string, title: string): HTMLElement => {
      const status = h('p', { class: 'dash-approval-status', role: 'status' });
      const allow = h('button', { type: 'button', class: 'primary', 'data-focus-key': `allow-${approvalId}`, 'aria-label': `Allow what ${title} asks` }, 'Allow');
      const deny = h('button', { type: 'button', class: 'danger', 'data-focus-key': `deny-${approvalId}`, 'aria-label': `Deny what ${title} asks` }, 'Deny');
      const answer = async (decision: 'allow' | 'deny') => {
        allow.disabled = deny.disabled = true;
        status.textContent = 'Sending…';
        const outcome = await answerApproval(approvalId, decision);
        status.textContent = outcome.ok ? (decision === 'allow' ? 'Allowed.' : 'Denied.') : outcome.message;
        if (!outcome.ok && !outcome.stale) allow.disabled = deny.disabled = false;
        await refresh();
      };
      allow.addEventListener('click', () => void answer('allow'));
      deny.addEventListener('click', () => void answer('deny'));
      return h(
        'div',
        { class: 'dash-approval' },
        h('p', {}, 'Asks for approval. ', h('a', { href: '/approvals' }, 'See what it asks')),
        h('div', { class: 'dash-approval-buttons' }, allow, deny),
        status,
      );
    };

    const refresh = async () => {
      if (disposed) return;
      window.clearTimeout(timer);
      try {
        const { terminals, runs } = await api<DashboardResponse>('/api/dashboard');
        if (disposed) return;
        loadError.hidden = true;
        render(terminals, runs);
      } catch (error) {
        if (disposed) return;
        loadError.textContent = describeError(error);
        loadError.hidden = false;
      }
      if (!disposed && document.visibilityState === 'visible') timer = window.setTimeout(() => void refresh(), REFRESH_MS);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void refresh();
      else window.clearTimeout(timer);
    };
    document.addEventListener('visibilitychange', onVisibility);
    context.onDispose(() => {
      disposed = true;
      window.clearTimeout(timer);
      window.clearInterval(tick);
      document.removeEventListener('visibilitychange', onVisibility);
    });
    await refresh();
  },
};

/**
 * The last rows of a terminal's screen as the server read them, one block per row so that CSS cuts
 * each at the card's edge; under the card's link, so a tap on it still opens the terminal.
 */
function screenPreview(lines: readonly string[]): HTMLElement | null {
  if (lines.length === 0) return null;
  return h(
    'pre',
    { class: 'dash-preview', role: 'group', 'aria-label': 'Screen preview' },
    h('code', {}, ...lines.map((line) => h('span', { class: 'dash-preview-line' }, line))),
  );
}

/** A selector finding the same control after the list is rebuilt. */
function focusKey(element: HTMLElement): string | null {
  const key = element.closest<HTMLElement>('[data-focus-key]')?.dataset.focusKey;
  return key ? `[data-focus-key="${CSS.escape(key)}"]` : null;
}
