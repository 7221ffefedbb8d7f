// Settings → Approvals and Agent hooks (issue 20): how long an agent's permission request waits and what
// it gets when nobody answers; and, per agent CLI, whether Shellport's hooks are in its settings file,
// the exact change installing or removing them makes, Install and Remove.
import {
  APPROVAL_TIMEOUT_ACTIONS,
  HOOK_AGENT_NAMES,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MIN_APPROVAL_TIMEOUT_SECONDS,
  type AgentHooksView,
  type ApprovalTimeoutAction,
  type HooksChangeResponse,
  type HooksResponse,
} from '../../shared/attention.js';
import { api, describeError } from '../app/api.js';
import type { ScreenContext } from '../app/context.js';
import { confirmDialog } from '../app/dialog.js';
import { field, h, setFieldError } from '../app/dom.js';
import { toast } from '../app/toast.js';
import { durationText } from './attention-text.js';
import { diffBlock } from './diff-view.js';

const TIMEOUT_ACTION_LABELS: Record<ApprovalTimeoutAction, string> = {
  deny: 'Deny it (the agent is told nobody answered)',
  'ask-in-terminal': 'Let the agent ask in its terminal, as it would without Shellport',
};

/** The approval timeout and what happens then. */
export function approvalSettingsSection(context: ScreenContext): HTMLElement {
  const settings = context.settings;
  const seconds = h('input', {
    type: 'number',
    name: 'approvalTimeoutSeconds',
    min: MIN_APPROVAL_TIMEOUT_SECONDS,
    max: MAX_APPROVAL_TIMEOUT_SECONDS,
    step: 1,
    value: settings.approvalTimeoutSeconds,
    inputmode: 'numeric',
  });
  let saved = settings.approvalTimeoutSeconds;
  seconds.addEventListener('change', async () => {
    const value = Number(seconds.value);
    if (!Number.isInteger(value) || value < MIN_APPROVAL_TIMEOUT_SECONDS || value > MAX_APPROVAL_TIMEOUT_SECONDS) {
      setFieldError(seconds, `Give a whole number of seconds from ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${MAX_APPROVAL_TIMEOUT_SECONDS}. Nothing was saved: requests wait ${saved} seconds.`);
      return;
    }
    setFieldError(seconds, null);
    try {
      saved = (await context.updateSettings({ approvalTimeoutSeconds: value })).approvalTimeoutSeconds;
      toast(`Requests wait ${durationText(saved * 1000)} for an answer.`, 'success');
    } catch (error) {
      seconds.value = String(saved);
      toast(describeError(error), 'error');
    }
  });
  const actions = APPROVAL_TIMEOUT_ACTIONS.map((action) =>
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'approvalTimeoutAction', value: action, checked: settings.approvalTimeoutAction === action }), TIMEOUT_ACTION_LABELS[action]),
  );
  const actionSet = h('fieldset', {}, h('legend', {}, 'When nobody answers in time'), actions);
  actionSet.addEventListener('change', async (event) => {
    const input = event.target as HTMLInputElement;
    const action = input.value as ApprovalTimeoutAction;
    try {
      await context.updateSettings({ approvalTimeoutAction: action });
      toast(action === 'deny' ? 'Unanswered requests are denied.' : 'Unanswered requests go back to the agent’s own prompt.', 'success');
    } catch (error) {
      toast(describeError(error), 'error');
    }
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'approvals-title' },
    h('h2', { id: 'approvals-title' }, 'Approvals'),
    h('p', { class: 'hint' }, 'An agent with Shellport’s hooks asks in ', h('a', { href: '/approvals' }, 'Approvals'), ' (and on your devices) before it uses a tool. Meanwhile it waits.'),
    field('Wait for an answer (seconds)', seconds, `${MIN_APPROVAL_TIMEOUT_SECONDS} to ${MAX_APPROVAL_TIMEOUT_SECONDS}.`),
    actionSet,
  );
}

/** Each agent CLI's hooks: installed or not, the change shown on request, Install or Remove. */
export function agentHooksSection(context: ScreenContext): HTMLElement {
  const list = h('ul', { class: 'hook-list' });
  const loadError = h('p', { class: 'error-text', role: 'alert', hidden: true });
  let disposed = false;
  context.onDispose(() => {
    disposed = true;
  });

  const load = async () => {
    try {
      const { hooks } = await api<HooksResponse>('/api/hooks');
      if (disposed) return;
      loadError.hidden = true;
      list.replaceChildren(...hooks.map(item));
    } catch (error) {
      if (disposed) return;
      loadError.textContent = describeError(error);
      loadError.hidden = false;
    }
  };

  const item = (view: AgentHooksView): HTMLElement => {
    const name = HOOK_AGENT_NAMES[view.agent];
    const change = view.installed ? view.uninstallChange : view.installChange;
    const changeId = `hook-change-${view.agent}`;
    const changeBlock = change ? diffBlock(change, `The change to ${view.settingsFile}`) : null;
    const changeArea = h('div', { class: 'hook-change', id: changeId, hidden: true }, changeBlock);
    const showChange = change
      ? h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': changeId }, 'Show change')
      : null;
    showChange?.addEventListener('click', () => {
      const open = showChange.getAttribute('aria-expanded') !== 'true';
      showChange.setAttribute('aria-expanded', String(open));
      showChange.textContent = open ? 'Hide change' : 'Show change';
      changeArea.hidden = !open;
    });
    const act = async (what: 'install' | 'uninstall') => {
      if (what === 'uninstall') {
        const confirmed = await confirmDialog({
          title: `Remove Shellport’s hooks from ${name}?`,
          message: `${name} stops asking in Shellport and telling it what it does; the rest of ${view.settingsFile} stays as it is.`,
          confirmLabel: 'Remove',
          danger: true,
        });
        if (!confirmed) return;
      }
      try {
        const result = await api<HooksChangeResponse>(`/api/hooks/${encodeURIComponent(view.agent)}/${what}`, { method: 'POST', body: {} });
        const kept = result.backup ? ` The previous file is kept as ${result.backup}.` : '';
        toast(
          !result.changed
            ? `${name}: nothing to change.`
            : what === 'install'
              ? `Installed Shellport’s hooks for ${name} in ${view.settingsFile}.${kept}`
              : `Removed Shellport’s hooks from ${view.settingsFile}.${kept}`,
          'success',
        );
      } catch (error) {
        toast(describeError(error), 'error');
      }
      await load();
    };
    const button =
      view.problem !== null
        ? null
        : view.installed
          ? h('button', { type: 'button', class: 'danger', 'aria-label': `Remove the hooks of ${name}`, onclick: () => void act('uninstall') }, 'Remove')
          : view.installChange
            ? h('button', { type: 'button', class: 'primary', 'aria-label': `Install the hooks of ${name}`, onclick: () => void act('install') }, 'Install')
            : null;
    return h(
      'li',
      { class: 'hook', 'data-agent': view.agent, 'data-installed': String(view.installed), 'aria-label': name },
      h(
        'h3',
        {},
        name,
        ' ',
        h('span', { class: 'badge', 'data-state': view.installed ? 'on' : 'off' }, view.installed ? '✓ Installed' : 'Not installed'),
      ),
      h('p', { class: 'hint' }, 'In ', h('code', {}, view.settingsFile), '.'),
      view.note ? h('p', { class: 'notice' }, view.note) : null,
      view.problem ? h('p', { class: 'error-text' }, view.problem) : null,
      h('div', { class: 'actions' }, showChange, button),
      changeArea,
    );
  };

  void load();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'hooks-title' },
    h('h2', { id: 'hooks-title' }, 'Agent hooks'),
    h(
      'p',
      { class: 'hint' },
      'With Shellport’s hooks in its settings, an agent running in a Shellport terminal asks here before it uses a tool, and says when it waits or finishes. The hooks do nothing outside Shellport’s terminals.',
    ),
    loadError,
    list,
  );
}
