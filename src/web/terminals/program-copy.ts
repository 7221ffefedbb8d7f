// Programs copying to the clipboard with OSC 52 (`ESC ] 52 ; Pc ; Pd BEL`, Pd in base64), as vim,
// neovim, tmux (set-clipboard) and many CLIs do; see "Operating System Commands" in
// https://invisible-island.net/xterm/ctlseqs/ctlseqs.html. Writes only: a read request (Pd `?`) is
// never answered, so a program (or a file being cat'ed) cannot read the owner's clipboard.
// Hand-written rather than @xterm/addon-clipboard (0.2.0, checked for issue 17): that addon answers
// every read request by typing a reply into the program (`term.input`), even with a provider that
// reads nothing, which is exactly the kind of answer a replayed query must never get (query-gate.ts);
// it also empties the clipboard on a payload that is not valid base64, and has no size limit.
import type { Terminal } from '@xterm/xterm';
import { formatBytes } from '../../shared/units.js';
import { h } from '../app/dom.js';

/** The most a program may copy at once (decoded); more is refused with a notice. */
const MAX_COPY_BYTES = 1024 * 1024;
/** How long the notice stays on the terminal (unless used or closed first). */
const NOTICE_MS = 20_000;

type CopyRequest = { text: string; bytes: number } | { tooLarge: number } | null;

/** What the part of an OSC 52 sequence after `52;` asks to copy; null when there is nothing to do. */
function parseCopyRequest(payload: string): CopyRequest {
  const separator = payload.indexOf(';');
  if (separator === -1) return null;
  // The clipboard (c), the primary (p) or the selection (s), or the default: the browser has one clipboard.
  if (!/^[cps]*$/.test(payload.slice(0, separator))) return null;
  const data = payload.slice(separator + 1);
  if (data === '' || data === '?') return null;
  let binary: string;
  try {
    binary = atob(data);
  } catch {
    return null;
  }
  if (binary.length > MAX_COPY_BYTES) return { tooLarge: binary.length };
  return { text: new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))), bytes: binary.length };
}

/**
 * Lets the programs in `term` copy; `isLive` says whether the output being parsed is new (a replay
 * after a reload must not copy again). Where the browser refuses a copy the page did not ask for with
 * a click or a key (no focus; some browsers always), a notice on `pane` offers to copy with a click.
 */
export function enableProgramCopy(term: Terminal, pane: HTMLElement, isLive: () => boolean): () => void {
  const notice = h('div', { class: 'term-copied', role: 'status', hidden: true });
  pane.append(notice);
  let hideTimer: ReturnType<typeof setTimeout> | undefined;

  const hide = () => {
    clearTimeout(hideTimer);
    notice.hidden = true;
    notice.replaceChildren();
  };
  const show = (message: string, copy?: string) => {
    const text = h('span', {}, message);
    const buttons: HTMLButtonElement[] = [];
    if (copy !== undefined) {
      buttons.push(button('Copy', 'Put what the program copied on the clipboard', 'term-button term-button-primary', () => {
        copyWithGesture(copy);
        hide();
        term.focus();
      }));
    }
    const close = button('×', 'Dismiss', 'term-button', () => {
      hide();
      term.focus();
    });
    close.setAttribute('aria-label', 'Dismiss');
    buttons.push(close);
    notice.replaceChildren(text, ...buttons);
    notice.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, NOTICE_MS);
  };

  const handler = term.parser.registerOscHandler(52, (payload) => {
    const request = isLive() ? parseCopyRequest(payload) : null;
    if (request && 'tooLarge' in request) {
      show(`A program tried to copy ${formatBytes(request.tooLarge)}, more than the ${formatBytes(MAX_COPY_BYTES)} allowed, so nothing was copied.`);
    } else if (request) {
      const offer = () => show(`A program copied ${formatBytes(request.bytes)}; the browser asks for a click to put it on the clipboard.`, request.text);
      if (navigator.clipboard) navigator.clipboard.writeText(request.text).then(hide, offer);
      else offer(); // not a secure context (http)
    }
    // Handled, whatever it asked: no other handler may answer a read request.
    return true;
  });
  return () => {
    handler.dispose();
    clearTimeout(hideTimer);
    notice.remove();
  };
}

/**
 * Inside a click: the copy command works without the clipboard permission, on http too; the
 * clipboard API where the command is refused.
 */
function copyWithGesture(text: string): void {
  const onCopy = (event: ClipboardEvent) => {
    event.clipboardData?.setData('text/plain', text);
    event.preventDefault();
  };
  document.addEventListener('copy', onCopy);
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } finally {
    document.removeEventListener('copy', onCopy);
  }
  if (!copied) void navigator.clipboard?.writeText(text).catch(() => undefined);
}

function button(text: string, title: string, className: string, onClick: () => void): HTMLButtonElement {
  return h('button', { type: 'button', class: className, title, onclick: onClick }, text);
}
