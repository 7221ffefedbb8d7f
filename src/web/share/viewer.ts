// The viewer of a read-only share link, `/share/<token>` (issue 23 §2, docs/sharing.md): no Shellport
// session, no app shell. It fetches only GET /api/shares/<token> and opens the share's WebSocket, where
// the stream client (../terminals/stream-client.ts) replays and follows the one shared terminal exactly
// as the owner's page does. Nothing is ever sent but attach and acks: xterm takes no input and answers
// no query, and the screen keeps the owner's size (the page scrolls).
import '@xterm/xterm/css/xterm.css';
import './viewer.css';
import { Terminal } from '@xterm/xterm';
import { h } from '../app/dom.js';
import { gateQueryAnswers } from '../terminals/query-gate.js';
import { TerminalStream } from '../terminals/stream-client.js';
import { XTERM_THEMES } from '../terminals/theme.js';
import { createWebSocketTransport } from '../terminals/transport.js';
import {
  CLOSE_SHARE_ENDED,
  CLOSE_SHARE_EXPIRED,
  CLOSE_SHARE_REVOKED,
  SHARE_CLOSE_CODES,
  SHARE_PAGE_PREFIX,
  SHARE_WS_PREFIX,
  type SharedTerminal,
} from '../../shared/shares.js';
import type { TerminalInfo } from '../../shared/terminals.js';

const CLOSED_TEXT: Record<number, string> = {
  [CLOSE_SHARE_REVOKED]: 'The owner stopped sharing this terminal.',
  [CLOSE_SHARE_EXPIRED]: 'This share link has expired.',
  [CLOSE_SHARE_ENDED]: 'The terminal has ended.',
};

/** The token of `/share/<token>`, or null on any other path. */
export function shareTokenOf(pathname: string): string | null {
  if (!pathname.startsWith(SHARE_PAGE_PREFIX)) return null;
  const token = pathname.slice(SHARE_PAGE_PREFIX.length).replace(/\/$/, '');
  return token && !token.includes('/') ? token : null;
}

export async function mountShareViewer(root: HTMLElement, token: string): Promise<void> {
  document.title = 'Shared terminal · Shellport';
  const status = h('p', { class: 'share-status', role: 'status' }, 'Connecting…');
  const header = h('header', { class: 'share-header' }, h('strong', { class: 'share-badge' }, 'Read-only'), h('span', {}, 'Opening the shared terminal…'));
  const screen = h('div', { class: 'share-screen' });
  root.replaceChildren(h('main', { class: 'share-viewer' }, header, status, screen));

  let shared: SharedTerminal;
  try {
    const response = await fetch(`/api/shares/${encodeURIComponent(token)}`, { headers: { accept: 'application/json' }, credentials: 'omit' });
    const body = (await response.json()) as SharedTerminal | { error: { message: string } };
    if (!response.ok || 'error' in body) throw new Error('error' in body ? body.error.message : `The server answered ${response.status}.`);
    shared = body;
  } catch (error) {
    header.replaceChildren(h('strong', { class: 'share-badge' }, 'Read-only'), h('span', {}, 'Shared terminal'));
    status.textContent = error instanceof Error ? error.message : 'This share link does not work.';
    status.classList.add('share-status-ended');
    return;
  }

  document.title = `${shared.title} (read-only) · Shellport`;
  header.replaceChildren(
    h('strong', { class: 'share-badge' }, 'Read-only'),
    h('span', { class: 'share-title' }, `“${shared.title}”`),
    h('span', {}, shared.sharedBy ? `shared by ${shared.sharedBy}` : 'shared'),
    h('span', { class: 'share-expiry' }, `until ${new Date(shared.expiresAt).toLocaleString()}`),
  );
  status.textContent = 'You are watching this terminal; you cannot type into it.';

  const term = new Terminal({
    cols: shared.cols,
    rows: shared.rows,
    disableStdin: true,
    cursorBlink: false,
    fontSize: 14,
    fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
    theme: XTERM_THEMES.dark,
    scrollback: 10_000,
  });
  const host = h('div', { class: 'share-terminal' });
  screen.append(host);
  term.open(host);
  // Replayed or live, a viewer's screen never answers the program's queries.
  gateQueryAnswers(term.parser, () => false);

  const ended = (text: string) => {
    status.textContent = text;
    status.classList.add('share-status-ended');
  };
  const transport = createWebSocketTransport(window.location.origin, {
    path: `${SHARE_WS_PREFIX}${encodeURIComponent(token)}`,
    finalCloseCodes: SHARE_CLOSE_CODES,
    onFinalClose: (code) => ended(CLOSED_TEXT[code] ?? 'The share ended.'),
  });
  const info: TerminalInfo = {
    id: shared.terminalId,
    workspaceId: null,
    name: shared.title,
    shell: '',
    pid: null,
    status: 'active',
    cwd: '',
    cols: shared.cols,
    rows: shared.rows,
    createdAt: '',
    lastActivityAt: '',
    endedAt: null,
    exitCode: null,
    endReason: null,
    seq: null,
    clients: 0,
    lastCwd: null,
    lastCommand: null,
    agentSession: null,
    restartedAs: null,
    activity: null,
  };
  const stream = new TerminalStream(
    info,
    transport,
    {
      write: (data, processed) => term.write(data, processed),
      reset: () => term.reset(),
      size: () => ({ cols: term.cols, rows: term.rows }),
    },
    {
      parsing: () => undefined,
      liveOutput: () => undefined,
      attached: () => {
        if (stream.error) ended(stream.error);
        else if (stream.terminal.cols !== term.cols || stream.terminal.rows !== term.rows) term.resize(stream.terminal.cols, stream.terminal.rows);
      },
      exited: () => ended(CLOSED_TEXT[CLOSE_SHARE_ENDED]!),
      // The owner's size is the terminal's: follow it.
      resizedElsewhere: (cols, rows) => term.resize(cols, rows),
    },
  );
  transport.onReady(() => void stream.attach());
  transport.onState((state) => {
    if (state === 'reconnecting') {
      stream.connectionLost();
      status.textContent = 'Reconnecting…';
    } else if (state === 'connected') status.textContent = 'You are watching this terminal; you cannot type into it.';
  });
}
