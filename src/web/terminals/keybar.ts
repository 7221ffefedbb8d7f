// The on-screen key bar for phones and tablets: keys a soft keyboard lacks, with Ctrl and Alt as
// sticky (one-shot) modifiers that also apply to the next key typed on the soft keyboard.
import { h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import { Dictation, dictationProblem, speechRecognitionOf, type RecognitionResults, type SpeechGlobal } from './dictation.js';

export interface KeyBarOptions {
  /** Sends bytes to the focused terminal. */
  send(data: string): void;
  /** Whether the focused terminal wants application cursor keys (DECCKM). */
  applicationCursor(): boolean;
  changeFontSize(delta: number): void;
  /** Pastes the clipboard into the focused terminal (a phone's terminal has no paste gesture). */
  paste(): void;
  /** Puts the focus back in the terminal (keeps a soft keyboard open). */
  refocus(): void;
  /** Picks images for the prompt: uploaded, their paths typed at the cursor (upload.ts). */
  attachImage(): void;
}

/** The part of the Web Speech API's SpeechRecognition the microphone key uses. */
interface Recogniser {
  lang: string;
  continuous: boolean;
  interimResults: boolean;
  onresult: ((event: { results: RecognitionResults }) => void) | null;
  onerror: ((event: { error: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
}

export interface KeyBar {
  readonly element: HTMLElement;
  /** Applies (and releases) the sticky modifiers to typed input. */
  transform(data: string): string;
  dispose(): void;
}

const ARROWS = { up: 'A', down: 'B', right: 'C', left: 'D' } as const;

/** Ctrl+key as a terminal sends it: letters and @[\]^_ map to C0 controls, ? to DEL. */
export function ctrlKey(char: string): string {
  if (char.length !== 1) return char;
  if (char === '?') return '\x7f';
  if (char === ' ') return '\x00';
  const code = char.toUpperCase().charCodeAt(0);
  if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code & 0x1f);
  return char;
}

export function createKeyBar(options: KeyBarOptions): KeyBar {
  const element = h('div', { class: 'term-keybar', role: 'toolbar', 'aria-label': 'Terminal keys' });
  let ctrl = false;
  let alt = false;
  const buttons: HTMLButtonElement[] = [];

  const key = (text: string, label: string, onPress: () => void, extraClass = '') => {
    const button = h(
      'button',
      {
        type: 'button',
        class: `term-key${extraClass ? ` ${extraClass}` : ''}`,
        'aria-label': label,
        // Keep the focus (and the soft keyboard) in the terminal.
        onpointerdown: (event: Event) => event.preventDefault(),
        onmousedown: (event: Event) => event.preventDefault(),
        onclick: () => {
          onPress();
          options.refocus();
        },
      },
      text,
    );
    buttons.push(button);
    element.append(button);
    return button;
  };

  const render = () => {
    ctrlButton.setAttribute('aria-pressed', String(ctrl));
    altButton.setAttribute('aria-pressed', String(alt));
  };

  const release = () => {
    ctrl = false;
    alt = false;
    render();
  };

  const transform = (data: string): string => {
    if (!ctrl && !alt) return data;
    let out = data;
    if (ctrl) out = ctrlKey(out);
    if (alt) out = `\x1b${out}`;
    release();
    return out;
  };

  const arrow = (direction: keyof typeof ARROWS) => {
    const final = ARROWS[direction];
    const modifier = 1 + (alt ? 2 : 0) + (ctrl ? 4 : 0);
    const data = modifier > 1 ? `\x1b[1;${modifier}${final}` : options.applicationCursor() ? `\x1bO${final}` : `\x1b[${final}`;
    release();
    options.send(data);
  };

  key('Esc', 'Escape', () => options.send(transform('\x1b')));
  // The most used control key gets a key of its own: one tap, not Ctrl then C.
  key('^C', 'Interrupt (Ctrl+C)', () => {
    release();
    options.send('\x03');
  });
  key('Tab', 'Tab', () => options.send(transform('\t')));
  const ctrlButton = key('Ctrl', 'Control (applies to the next key)', () => {
    ctrl = !ctrl;
    render();
  }, 'term-key-modifier');
  const altButton = key('Alt', 'Alt (applies to the next key)', () => {
    alt = !alt;
    render();
  }, 'term-key-modifier');
  key('←', 'Left arrow', () => arrow('left'));
  key('↑', 'Up arrow', () => arrow('up'));
  key('↓', 'Down arrow', () => arrow('down'));
  key('→', 'Right arrow', () => arrow('right'));
  key('Paste', 'Paste', () => {
    release();
    options.paste();
  });
  key('Image', 'Attach an image (its path is typed at the cursor)', () => {
    release();
    options.attachImage();
  });
  const stopDictation = addMicrophoneKey(key, (text) => options.send(text));
  for (const char of ['|', '~', '/', '-']) key(char, char === '|' ? 'Pipe' : char === '~' ? 'Tilde' : char === '/' ? 'Slash' : 'Dash', () => options.send(transform(char)));
  key('A−', 'Smaller text', () => options.changeFontSize(-1), 'term-key-font');
  key('A+', 'Larger text', () => options.changeFontSize(1), 'term-key-font');
  render();
  const stopOverflowHints = showOverflowHints(element);

  return {
    element,
    transform,
    dispose: () => {
      stopDictation();
      stopOverflowHints();
    },
  };
}

/**
 * The microphone key (issue 22 §2): dictation into the current line, without Enter, through the
 * browser's speech recogniser; no key where the browser has none. A tap starts listening, another
 * stops; what is heard is typed once it is final (dictation.ts). Returns what stops it.
 */
function addMicrophoneKey(key: (text: string, label: string, onPress: () => void, extraClass?: string) => HTMLButtonElement, type: (text: string) => void): () => void {
  const Recognition = speechRecognitionOf<Recogniser>(window as unknown as SpeechGlobal);
  if (!Recognition) return () => undefined;
  let listening: Recogniser | null = null;
  const button = key('🎤', 'Dictate (speech to text, no Enter)', () => {
    if (listening) {
      listening.stop();
      return;
    }
    const recogniser = new Recognition();
    const dictation = new Dictation();
    recogniser.lang = navigator.language;
    recogniser.continuous = false;
    recogniser.interimResults = false;
    recogniser.onresult = (event) => {
      const text = dictation.take(event.results);
      if (text) type(text);
    };
    recogniser.onerror = (event) => {
      const problem = dictationProblem(event.error);
      if (problem.message) toast(problem.message, 'error');
      // A browser whose recogniser cannot work at all (no speech service) loses the key, not just this try.
      if (problem.unavailable) button.hidden = true;
    };
    recogniser.onend = () => {
      if (listening === recogniser) listening = null;
      button.setAttribute('aria-pressed', 'false');
    };
    listening = recogniser;
    button.setAttribute('aria-pressed', 'true');
    try {
      recogniser.start();
    } catch {
      listening = null;
      button.setAttribute('aria-pressed', 'false');
    }
  }, 'term-key-mic');
  button.setAttribute('aria-pressed', 'false');
  return () => listening?.abort();
}

/**
 * Phones show no scrollbar, so a key bar wider than the screen says so itself: data-more-left and
 * data-more-right (the CSS fades that edge) tell whether keys wait beyond either edge.
 */
function showOverflowHints(element: HTMLElement): () => void {
  const update = () => {
    const hidden = element.scrollWidth - element.clientWidth;
    element.dataset.moreLeft = String(element.scrollLeft > 1);
    element.dataset.moreRight = String(element.scrollLeft < hidden - 1);
  };
  element.addEventListener('scroll', update, { passive: true });
  const observer = new ResizeObserver(update);
  observer.observe(element);
  return () => {
    observer.disconnect();
    element.removeEventListener('scroll', update);
  };
}
