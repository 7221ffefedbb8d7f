// The events of on-screen keyboards and input methods, taken before xterm.js sees them (capture phase
// on the terminal's element): what they typed is worked out by ime-input.ts from the textarea and
// handed to xterm as typed input (`term.input`), so the key bar's sticky modifiers and
// scroll-on-input still apply. Keys with a key code of their own (a hardware keyboard, Enter and
// Backspace on most soft keyboards) stay xterm's.
import type { Terminal } from '@xterm/xterm';
import { ImeInput, isImeKey } from './ime-input.js';

/** Listens on the element xterm was opened in; returns what undoes it. */
export function enableImeInput(term: Terminal, element: HTMLElement): () => void {
  const textarea = term.textarea;
  if (!textarea) return () => undefined;
  const ime = new ImeInput();
  // xterm's own composition view, shown at the cursor with the text being composed.
  const preview = element.querySelector<HTMLElement>('.composition-view');
  const ours = (event: Event) => event.target === textarea;
  const send = (data: string) => {
    if (data) term.input(data, true);
  };
  const showPreview = (text: string) => {
    if (!preview) return;
    preview.textContent = text;
    preview.classList.toggle('active', text !== '');
    Object.assign(preview.style, {
      left: textarea.style.left,
      top: textarea.style.top,
      height: textarea.style.height,
      lineHeight: textarea.style.lineHeight,
      fontFamily: term.options.fontFamily ?? '',
      fontSize: `${term.options.fontSize ?? 15}px`,
    });
  };

  // A key with a code of its own is down: xterm sends it (its input event, if any, is not ours).
  let keyDown = false;

  const listeners: Array<[string, (event: Event) => void]> = [
    [
      'keydown',
      (event) => {
        if (!ours(event)) return;
        // xterm would guess the text from the textarea's growth as well: the input event says it.
        if (isImeKey(event as KeyboardEvent)) event.stopPropagation();
        else keyDown = true;
      },
    ],
    [
      'keyup',
      (event) => {
        if (ours(event)) keyDown = false;
      },
    ],
    [
      'compositionstart',
      (event) => {
        if (!ours(event)) return;
        event.stopPropagation();
        ime.compositionStart(textarea.value);
      },
    ],
    [
      'compositionupdate',
      (event) => {
        if (!ours(event)) return;
        event.stopPropagation();
        showPreview((event as CompositionEvent).data);
      },
    ],
    [
      'compositionend',
      (event) => {
        if (!ours(event)) return;
        event.stopPropagation();
        showPreview('');
        // Some browsers (Safari) change the textarea after compositionend: take its text once they have.
        setTimeout(() => send(ime.compositionEnd(textarea.value)));
      },
    ],
    [
      'beforeinput',
      (event) => {
        if (ours(event)) ime.beforeInput(textarea.value);
      },
    ],
    [
      'input',
      (event) => {
        if (!ours(event)) return;
        if (keyDown && !ime.isComposing) {
          ime.skip();
          return;
        }
        event.stopPropagation();
        const { inputType } = event as InputEvent;
        const data = ime.input(textarea.value, inputType);
        if (data.endsWith('\r')) {
          // As xterm does on Enter: the next line starts with an empty field.
          textarea.value = '';
          ime.reset();
        }
        send(data);
      },
    ],
  ];
  for (const [type, listener] of listeners) element.addEventListener(type, listener, true);
  return () => {
    for (const [type, listener] of listeners) element.removeEventListener(type, listener, true);
  };
}
