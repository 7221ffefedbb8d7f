// The Operations screen's "Terminal host" card (docs/terminal-host.md): where the host stands, the
// terminals a restart would end, and the restart itself, confirmed in the app's dialog.
import { api, ApiError, describeError } from '../app/api.js';
import { confirmDialog } from '../app/dialog.js';
import { h } from '../app/dom.js';
import { dateTime, timeAgo } from '../app/format.js';
import { toast } from '../app/toast.js';
import type { RestartTerminalHostResult, TerminalHostMode, TerminalHostState, TerminalHostTerminal, TerminalHostView } from '../../shared/terminal-host.js';

const MODE_WORDS: Record<TerminalHostMode, string> = {
  auto: 'Started by Shellport when needed (auto)',
  service: 'A service of its own (service)',
  'in-process': 'Inside the server (in-process)',
};

const STATE_WORDS: Record<TerminalHostState, string> = {
  connected: 'Running, connected',
  'not-running': 'Not running',
  unreachable: 'Not answering',
  refused: 'Running, but refuses this server',
  'in-process': 'No separate host',
};

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "build" in shellport; an unnamed terminal is "a terminal". */
function terminalWords(terminal: TerminalHostTerminal): string {
  const name = terminal.name ? `“${terminal.name}”` : 'an unnamed terminal';
  return terminal.workspaceName ? `${name} in ${terminal.workspaceName}` : name;
}

/** What a restart ends, in one sentence for the dialog. */
export function describeRestart(view: TerminalHostView): string {
  const after = view.mode === 'service' ? 'Its service starts it again.' : 'The next terminal starts a new host.';
  if (view.state === 'refused') {
    return `The running terminal host refuses this server, so it will be stopped, with any terminal it still runs (this server cannot list those). ${after}`;
  }
  if (view.terminals.length === 0) return `No terminal is running, so none ends. ${after}`;
  const names = view.terminals.map(terminalWords).join(', ');
  return `This ends ${view.terminals.length === 1 ? 'this terminal' : `these ${view.terminals.length} terminals`}: ${names}. Whatever runs in ${view.terminals.length === 1 ? 'it' : 'them'} stops; ${view.terminals.length === 1 ? 'its' : 'their'} output stays readable. ${after}`;
}

/** Renders the card into `target`; `onRestarted` refreshes what a restart changes elsewhere (the health card). */
export function terminalHostCard(target: HTMLElement, onRestarted: () => Promise<void>): { load(): Promise<void> } {
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  let busy = false;

  const load = async () => {
    const view = await api<TerminalHostView>('/api/terminal-host');
    render(view);
  };

  function render(view: TerminalHostView) {
    const facts = h('dl', { class: 'facts' });
    const fact = (term: string, value: string, title?: string) => facts.append(h('div', {}, h('dt', {}, term), h('dd', { title }, value)));
    fact('Mode', MODE_WORDS[view.mode]);
    fact('Status', STATE_WORDS[view.state]);
    if (view.mode !== 'in-process') {
      fact('Version', view.version ?? '—');
      fact('Process id', view.pid === null ? '—' : String(view.pid));
      fact('Since', view.startedAt ? timeAgo(view.startedAt) : '—', view.startedAt ? dateTime(view.startedAt) : undefined);
      fact('Running terminals', String(view.terminals.length));
    }
    const restart = h('button', { type: 'button', class: 'danger', 'data-action': 'restart-terminal-host' }, busy ? 'Restarting…' : 'Restart terminal host…');
    if (busy) restart.setAttribute('aria-disabled', 'true');
    restart.addEventListener('click', () => void restartHost());
    const parts: (HTMLElement | null)[] = [
      facts,
      view.problem
        ? h('p', { class: 'error-text', role: 'alert' }, view.problem)
        : h('p', { class: 'hint' }, view.message),
      view.terminals.length > 0 && view.mode !== 'in-process'
        ? h(
            'ul',
            { class: 'host-terminals', 'aria-label': 'Terminals a restart would end' },
            view.terminals.map((terminal) => h('li', {}, terminalWords(terminal), h('span', { class: 'muted' }, ` — opened ${timeAgo(terminal.startedAt)}`))),
          )
        : null,
      view.isRestartable ? h('div', { class: 'host-actions' }, restart) : null,
      status,
    ];
    target.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
  }

  async function restartHost() {
    if (busy) return;
    let view: TerminalHostView;
    try {
      // The list as it is now: the owner confirms what will really end.
      view = await api<TerminalHostView>('/api/terminal-host');
    } catch (error) {
      status.textContent = `${describeError(error)} Reload the page and try again.`;
      return;
    }
    render(view);
    if (!view.isRestartable) {
      status.textContent = 'There is no terminal host to restart now.';
      return;
    }
    const count = view.terminals.length;
    const confirmed = await confirmDialog({
      title: 'Restart the terminal host?',
      message: describeRestart(view),
      confirmLabel: count === 0 ? 'Restart the host' : `End ${plural(count, 'terminal', 'terminals')} and restart`,
      danger: true,
    });
    if (!confirmed) {
      target.querySelector<HTMLButtonElement>('[data-action="restart-terminal-host"]')?.focus();
      return;
    }
    busy = true;
    render(view);
    target.querySelector<HTMLButtonElement>('[data-action="restart-terminal-host"]')?.focus();
    status.textContent = count === 0 ? 'Restarting the terminal host…' : `Ending ${plural(count, 'terminal', 'terminals')} and restarting the terminal host…`;
    let outcome: string;
    try {
      const result = await api<RestartTerminalHostResult>('/api/terminal-host/restart', { method: 'POST', body: { confirm: count } });
      outcome = result.message;
      toast(result.message, 'success');
    } catch (error) {
      outcome = error instanceof ApiError && error.code === 'terminal_host_changed' ? `${error.message} The list above is up to date.` : describeError(error);
      toast(outcome, 'error');
    }
    busy = false;
    await Promise.all([load(), onRestarted()]).catch((error: unknown) => toast(describeError(error), 'error'));
    status.textContent = outcome;
    // The button was drawn anew: keep the keyboard on it.
    if (document.activeElement === document.body) target.querySelector<HTMLButtonElement>('[data-action="restart-terminal-host"]')?.focus();
  }

  return { load };
}
