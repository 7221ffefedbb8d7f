// The approvals inbox (issue 20): what the agents in the terminals ask to do, waiting for an answer —
// where, which agent and tool, the command or the diff in full, the time left — with Allow, Deny (and
// a reason) and Allow for this session; the latest answered below. Made for a phone: one column, big
// buttons, long lines wrapped or scrolled inside their block, never the page.
import type { Approval, ApprovalDecision, ApprovalTimeoutAction } from '../../shared/attention.js';
import { MAX_APPROVAL_REASON_LENGTH } from '../../shared/attention.js';
import { api, describeError } from '../app/api.js';
import type { Screen, ScreenContext } from '../app/context.js';
import { field, h, uid } from '../app/dom.js';
import { timeAgo } from '../app/format.js';
import type { ApprovalsResponse } from '../app/types.js';
import { answerApproval } from './approval-answer.js';
import {
  agentName,
  ANSWERED_TEXT,
  countPending,
  describeInput,
  durationText,
  outcomeText,
  placeText,
  terminalPath,
  timeLeftText,
} from './attention-text.js';
import { diffBlock } from './diff-view.js';

/** How often the list is asked for while the page is visible. */
const REFRESH_MS = 4000;
const TICK_MS = 1000;

const TIMEOUT_ACTION_TEXT: Record<ApprovalTimeoutAction, string> = {
  deny: 'are denied',
  'ask-in-terminal': 'go back to the agent, which asks in its terminal',
};

/** A pending request's card, kept across refreshes so that a reason being typed is not lost. */
interface PendingCard {
  element: HTMLElement;
  approval: Approval;
  timeLeft: HTMLElement;
  actions: HTMLElement;
  result: HTMLElement;
  /** Answered or ended: shown with its outcome until the next refresh, then gone from here. */
  closed: 'now' | 'before' | null;
}

export const approvalsScreen: Screen = {
  title: 'Approvals',
  async render(main, context) {
    const { approvalTimeoutSeconds, approvalTimeoutAction } = context.settings;
    main.append(
      h('h1', {}, 'Approvals'),
      h(
        'p',
        { class: 'hint' },
        `Agents with Shellport’s hooks ask here before they use a tool. Requests nobody answers within ${durationText(approvalTimeoutSeconds * 1000)} ${TIMEOUT_ACTION_TEXT[approvalTimeoutAction]} (`,
        h('a', { href: '/settings#approvals-title' }, 'Settings'),
        ').',
      ),
    );
    const pendingList = h('ul', { class: 'approval-list', 'aria-labelledby': 'pending-title' });
    const nonePending = h('p', { class: 'empty-note', hidden: true }, 'Nothing is waiting for you.');
    const answeredList = h('ul', { class: 'approval-list approval-list-answered', 'aria-labelledby': 'answered-title' });
    const noneAnswered = h('p', { class: 'hint', hidden: true }, 'Nothing answered yet.');
    const loadError = h('p', { class: 'error-text', role: 'alert', hidden: true });
    main.append(
      loadError,
      h('section', { class: 'approvals-pending', 'aria-labelledby': 'pending-title' }, h('h2', { id: 'pending-title' }, 'Waiting for you'), nonePending, pendingList),
      h('section', { class: 'approvals-answered', 'aria-labelledby': 'answered-title' }, h('h2', { id: 'answered-title' }, 'Answered recently'), noneAnswered, answeredList),
    );

    const cards = new Map<string, PendingCard>();
    let disposed = false;
    let refreshTimer = 0;
    const tick = window.setInterval(() => {
      for (const card of cards.values()) if (!card.closed) card.timeLeft.textContent = timeLeftText(card.approval.expiresAt, Date.now());
    }, TICK_MS);

    const refresh = async () => {
      if (disposed) return;
      window.clearTimeout(refreshTimer);
      try {
        const { approvals } = await api<ApprovalsResponse>('/api/approvals');
        if (disposed) return;
        loadError.hidden = true;
        show(approvals);
        context.setPendingApprovals(countPending(approvals));
      } catch (error) {
        if (disposed) return;
        loadError.textContent = describeError(error);
        loadError.hidden = false;
      }
      if (!disposed && document.visibilityState === 'visible') refreshTimer = window.setTimeout(() => void refresh(), REFRESH_MS);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void refresh();
      else window.clearTimeout(refreshTimer);
    };
    document.addEventListener('visibilitychange', onVisibility);
    context.onDispose(() => {
      disposed = true;
      window.clearTimeout(refreshTimer);
      window.clearInterval(tick);
      document.removeEventListener('visibilitychange', onVisibility);
    });

    const show = (approvals: Approval[]) => {
      const byId = new Map(approvals.map((approval) => [approval.id, approval]));
      // Closed at the last refresh: their outcome has been seen; they live on under "Answered recently".
      for (const [id, card] of cards) {
        if (card.closed === 'before') {
          card.element.remove();
          cards.delete(id);
        } else if (card.closed === 'now') {
          card.closed = 'before';
        }
      }
      for (const approval of approvals) {
        if (approval.status !== 'pending' || cards.has(approval.id)) continue;
        const card = pendingCard(approval, context);
        cards.set(approval.id, card);
        pendingList.append(card.element);
      }
      for (const card of cards.values()) {
        const now = byId.get(card.approval.id);
        if (card.closed || (now && now.status === 'pending')) continue;
        // Answered on another device, timed out or withdrawn since this page showed it.
        closeCard(card, now ? `Already answered: ${outcomeText(now)}.` : 'This request is no longer waiting.', 'closed');
      }
      nonePending.hidden = [...cards.values()].some((card) => !card.closed);
      const answered = approvals.filter((approval) => approval.status !== 'pending');
      answeredList.replaceChildren(...answered.map(answeredItem));
      noneAnswered.hidden = answered.length > 0;
    };

    function pendingCard(approval: Approval, screenContext: ScreenContext): PendingCard {
      const titleId = uid('approval');
      const timeLeft = h('span', { class: 'approval-time-left' }, timeLeftText(approval.expiresAt, Date.now()));
      const reason = h('input', { type: 'text', name: 'reason', maxlength: MAX_APPROVAL_REASON_LENGTH, autocomplete: 'off', enterkeyhint: 'send' });
      const result = h('p', { class: 'approval-result', role: 'status' });
      const card: PendingCard = { element: h('li'), approval, timeLeft, actions: h('div'), result, closed: null };
      const buttons: HTMLButtonElement[] = [];
      const button = (decision: ApprovalDecision, label: string, className: string) => {
        const element = h('button', { type: 'button', class: className, 'data-decision': decision }, label);
        element.addEventListener('click', () => void answer(decision));
        buttons.push(element);
        return element;
      };
      const answer = async (decision: ApprovalDecision) => {
        for (const element of buttons) element.disabled = true;
        result.textContent = 'Sending…';
        const outcome = await answerApproval(approval.id, decision, decision === 'deny' ? reason.value : '');
        if (outcome.ok) {
          closeCard(card, ANSWERED_TEXT[decision], decision === 'deny' ? 'denied' : 'allowed');
          screenContext.setPendingApprovals(Math.max(0, [...cards.values()].filter((other) => !other.closed).length));
        } else if (outcome.stale) {
          closeCard(card, outcome.message, 'closed');
        } else {
          result.textContent = outcome.message;
          for (const element of buttons) element.disabled = false;
        }
      };
      reason.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          void answer('deny');
        }
      });
      card.actions = h(
        'div',
        { class: 'approval-actions' },
        field('Reason, if you deny (optional; the agent is told)', reason),
        h(
          'div',
          { class: 'approval-buttons' },
          button('allow', 'Allow', 'primary'),
          button('allow-session', 'Allow for this session', ''),
          button('deny', 'Deny', 'danger'),
        ),
      );
      card.element = h(
        'li',
        { class: 'approval', 'data-status': 'pending', 'data-approval-id': approval.id, 'aria-labelledby': titleId },
        h('h3', { id: titleId, class: 'approval-title' }, h('span', { class: 'approval-tool' }, approval.tool), ' ', h('span', { class: 'approval-summary' }, approval.summary)),
        facts(approval, timeLeft),
        inputView(approval),
        card.actions,
        result,
      );
      return card;
    }

    /** Answered here (`allowed`, `denied`) or elsewhere, timed out, withdrawn (`closed`): the outcome replaces the buttons. */
    function closeCard(card: PendingCard, message: string, status: 'allowed' | 'denied' | 'closed') {
      card.closed = 'now';
      card.actions.remove();
      card.timeLeft.textContent = status === 'closed' ? 'Closed' : 'Answered';
      card.result.textContent = message;
      card.element.dataset.status = status;
    }

    await refresh();
  },
};

/** Where a request leads: an agent run's page, else its terminal. */
function approvalPlace(approval: Approval): string {
  if (approval.runId && approval.workspaceId) return `/workspaces/${encodeURIComponent(approval.workspaceId)}/runs?run=${encodeURIComponent(approval.runId)}`;
  return terminalPath(approval.workspaceId, approval.sessionId);
}

/** Where the request comes from, who asks, and for how long it waits. */
function facts(approval: Approval, timeLeft: HTMLElement | null): HTMLElement {
  const row = (term: string, ...value: (Node | string)[]) => h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
  return h(
    'dl',
    { class: 'facts approval-facts' },
    row('Where', h('a', { href: approvalPlace(approval) }, placeText(approval.workspaceName, approval.terminalTitle))),
    row('Agent', agentName(approval.agent)),
    row('Asked', timeAgo(approval.createdAt)),
    timeLeft ? row('Time left', timeLeft) : row('Outcome', outcomeText(approval), approval.answeredAt ? ` (${timeAgo(approval.answeredAt)})` : ''),
  );
}

/** The command in a code block; an edit's diff with + and − before its lines; anything else as JSON. */
function inputView(approval: Approval): HTMLElement {
  const input = describeInput(approval);
  if (input.kind === 'command') {
    return h(
      'div',
      { class: 'approval-input' },
      input.description ? h('p', { class: 'approval-description' }, input.description) : null,
      h('pre', { class: 'code-block', 'aria-label': 'Command' }, h('code', {}, input.text)),
    );
  }
  if (input.kind === 'edit') {
    return h(
      'div',
      { class: 'approval-input' },
      input.path ? h('p', { class: 'approval-path' }, 'File: ', h('code', {}, input.path)) : null,
      input.diff
        ? diffBlock(input.diff, 'Change')
        : h('pre', { class: 'code-block', 'aria-label': 'Input' }, h('code', {}, input.text)),
    );
  }
  return h('div', { class: 'approval-input' }, h('pre', { class: 'code-block', 'aria-label': 'Input' }, h('code', {}, input.text)));
}

function answeredItem(approval: Approval): HTMLElement {
  const titleId = uid('approval');
  return h(
    'li',
    { class: 'approval', 'data-status': approval.status, 'data-approval-id': approval.id, 'aria-labelledby': titleId },
    h('h3', { id: titleId, class: 'approval-title' }, h('span', { class: 'approval-tool' }, approval.tool), ' ', h('span', { class: 'approval-summary' }, approval.summary)),
    facts(approval, null),
    h('details', { class: 'approval-details' }, h('summary', {}, 'Show the request'), inputView(approval)),
  );
}
