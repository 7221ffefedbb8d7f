// Draws the local echo's guesses (local-echo.ts) over an xterm.js terminal: a layer of cells on top of
// its screen, never a byte written into the terminal, so the server's output stays the only thing in
// its buffer and a guess goes by removing an element (issue 22 §1, docs/local-echo.md).
import type { Terminal } from '@xterm/xterm';
import { LocalEcho, type EchoScreen, type EchoTimers } from './local-echo.js';
import './local-echo.css';

export interface LocalEchoOverlay {
  /** Input about to be sent; `live`: the screen shows the terminal as it is now (attached and caught up). */
  input(data: string, live: boolean): void;
  setEnabled(enabled: boolean): void;
  setRoundTrip(ms: number): void;
  /** The screen was reset or replaced: forget every guess and what was known about the line. */
  reset(): void;
  dispose(): void;
}

const browserTimers: EchoTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The active buffer of a terminal as the model reads it. */
export function echoScreenOf(term: Terminal): EchoScreen {
  return {
    get cols() {
      return term.cols;
    },
    cursor: () => {
      const buffer = term.buffer.active;
      return { x: buffer.cursorX, y: buffer.baseY + buffer.cursorY };
    },
    isAlternateScreen: () => term.buffer.active.type === 'alternate',
    cellText: (y, x) => term.buffer.active.getLine(y)?.getCell(x)?.getChars() ?? '',
  };
}

export function attachLocalEcho(term: Terminal): LocalEchoOverlay {
  const model = new LocalEcho(echoScreenOf(term), browserTimers);
  const layer = document.createElement('div');
  layer.className = 'term-predictions';
  layer.setAttribute('aria-hidden', 'true');
  layer.hidden = true;

  const render = () => {
    const prediction = model.prediction;
    // Called on every scroll (each frame of a flood): with nothing predicted, nothing is touched.
    if (!prediction && layer.hidden) return;
    const screen = term.element?.querySelector<HTMLElement>('.xterm-screen');
    const buffer = term.buffer.active;
    const row = prediction ? prediction.y - buffer.viewportY : -1;
    if (!prediction || !screen || row < 0 || row >= term.rows) {
      layer.hidden = true;
      layer.replaceChildren();
      return;
    }
    if (layer.parentElement !== screen) screen.append(layer);
    const { width, height } = screen.getBoundingClientRect();
    const cellWidth = width / term.cols;
    const cellHeight = height / term.rows;
    const theme = term.options.theme ?? {};
    layer.style.font = `${term.options.fontSize ?? 14}px ${term.options.fontFamily ?? 'monospace'}`;
    layer.style.lineHeight = `${cellHeight}px`;
    layer.style.setProperty('--term-prediction-bg', theme.background ?? '#000');
    layer.style.setProperty('--term-prediction-fg', theme.foreground ?? '#fff');
    layer.style.setProperty('--term-prediction-cursor', theme.cursor ?? theme.foreground ?? '#fff');
    const place = (element: HTMLElement, x: number) => {
      element.style.left = `${x * cellWidth}px`;
      element.style.top = `${row * cellHeight}px`;
      element.style.width = `${cellWidth}px`;
      element.style.height = `${cellHeight}px`;
      return element;
    };
    const cells = prediction.cells.map(({ x, text }) => {
      const cell = place(document.createElement('span'), x);
      cell.className = 'term-prediction';
      cell.textContent = text;
      return cell;
    });
    const realX = buffer.cursorX;
    // The terminal's own cursor stays where the server left it: covered unless a guessed cell already is.
    if (realX !== prediction.cursorX && !prediction.cells.some(({ x }) => x === realX)) {
      const cover = place(document.createElement('span'), realX);
      cover.className = 'term-prediction-cover';
      cover.textContent = buffer.getLine(prediction.y)?.getCell(realX)?.getChars() ?? '';
      cells.push(cover);
    }
    const cursor = place(document.createElement('span'), prediction.cursorX);
    cursor.className = 'term-prediction-cursor';
    cursor.textContent = prediction.cells.find(({ x }) => x === prediction.cursorX)?.text ?? buffer.getLine(prediction.y)?.getCell(prediction.cursorX)?.getChars() ?? '';
    layer.replaceChildren(...cells, cursor);
    layer.hidden = false;
  };

  // A guess the output confirmed goes in the frame xterm.js paints that output (its renderer's frame
  // callback was queued first), never a frame before: the character does not blink out and back.
  let parsing = false;
  let frame = 0;
  const renderAfterPaint = () => {
    if (frame !== 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  };
  const onModelChange = () => (parsing ? renderAfterPaint() : render());
  const whileParsing = (update: () => void) => {
    parsing = true;
    try {
      update();
    } finally {
      parsing = false;
    }
  };

  const disposables = [
    term.onWriteParsed(() => whileParsing(() => model.outputProcessed())),
    // Shellport's shells mark their prompt's start (A) and end (B) and each command (C); see docs/protocol.md, "Shell integration".
    term.parser.registerOscHandler(133, (data) => {
      whileParsing(() => model.promptMark(data.split(';', 1)[0] ?? ''));
      return false;
    }),
    term.onResize(() => model.reset()),
    term.onScroll(() => render()),
  ];
  const stopListening = model.onChange(onModelChange);

  return {
    input(data, live) {
      if (live) model.input(data);
      else model.reset();
    },
    setEnabled(enabled) {
      model.setEnabled(enabled);
      layer.dataset.enabled = String(enabled);
    },
    setRoundTrip: (ms) => model.setRoundTrip(ms),
    reset: () => model.reset(),
    dispose() {
      stopListening();
      if (frame !== 0) cancelAnimationFrame(frame);
      for (const disposable of disposables) disposable.dispose();
      model.dispose();
      layer.remove();
    },
  };
}
