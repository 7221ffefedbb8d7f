// Predictive local echo's model (issue 22 §1): what is guessed and drawn, when a guess is confirmed or
// wrong, and where nothing is ever guessed (alternate screen, no echo, pastes), against a small
// in-memory screen standing in for xterm.js's buffer.
import { describe, expect, it } from 'vitest';
import { classifyInput, CONFIRM_TIMEOUT_MS, LocalEcho, type EchoScreen, type EchoTimers } from '../../../src/web/terminals/local-echo.js';

/** Enough of a terminal for line editing: printable text, CR, LF, BS, erase to the end of line, the alternate screen. */
class FakeScreen implements EchoScreen {
  readonly cols = 20;
  x = 0;
  y = 0;
  alternate = false;
  private readonly rows: string[][] = [[]];

  cursor() {
    return { x: this.x, y: this.y };
  }

  isAlternateScreen() {
    return this.alternate;
  }

  cellText(y: number, x: number) {
    return this.rows[y]?.[x] ?? '';
  }

  /** Writes like a terminal would (a tiny subset of ECMA-48). */
  write(text: string) {
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!;
      if (text.startsWith('\x1b[K', i)) {
        this.rows[this.y]!.length = Math.min(this.rows[this.y]!.length, this.x);
        i += 2;
      } else if (char === '\r') this.x = 0;
      else if (char === '\n') {
        this.y++;
        this.rows[this.y] ??= [];
      } else if (char === '\b') this.x = Math.max(0, this.x - 1);
      else {
        this.rows[this.y]![this.x] = char;
        this.x++;
      }
    }
  }

  line(y = this.y) {
    return Array.from({ length: this.cols }, (_, x) => this.cellText(y, x) || ' ').join('').trimEnd();
  }
}

class FakeClock implements EchoTimers {
  time = 0;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private nextId = 1;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  };
  advance(ms: number) {
    this.time += ms;
    for (const timer of this.timers.filter((t) => t.at <= this.time)) {
      this.timers = this.timers.filter((t) => t !== timer);
      timer.callback();
    }
  }
}

/** Shellport's bash and zsh at a prompt: A from the prompt hook, the prompt, then B at its end. */
const PROMPT = '\x1b]133;A\x07$ \x1b]133;B\x07';

/** A shell at its prompt ("$ "), with shell integration's prompt marks, and guessing on. */
function setUp({ mark = true } = {}) {
  const screen = new FakeScreen();
  const clock = new FakeClock();
  const echo = new LocalEcho(screen, clock);
  echo.setEnabled(true);
  let changes = 0;
  echo.onChange(() => changes++);
  /** The server's output: written, then the model looks at the screen (xterm's onWriteParsed). */
  const output = (text: string) => {
    // Shell integration's marks reach the model as xterm's OSC handler would, in output order.
    const parts = text.split(/\x1b\]133;([A-D])(?:;[^\x07]*)?\x07/);
    parts.forEach((part, i) => {
      if (i % 2 === 0) screen.write(part);
      else if (mark) echo.promptMark(part);
    });
    echo.outputProcessed();
  };
  output(mark ? PROMPT : '$ ');
  /** What the person sees: the screen with the drawn guesses over it. */
  const shown = () => {
    const row = Array.from({ length: screen.cols }, (_, x) => screen.cellText(screen.y, x) || ' ');
    for (const cell of echo.prediction?.cells ?? []) row[cell.x] = cell.text;
    return row.join('').trimEnd();
  };
  return { screen, clock, echo, output, shown, changes: () => changes };
}

const text = (echo: LocalEcho) => echo.prediction?.cells.map((cell) => cell.text).join('') ?? '';

describe('predictive local echo', () => {
  it('shows what is typed at a prompt at once, and drops each guess once the server echoes it', () => {
    const { echo, output, shown, screen } = setUp();
    echo.input('l');
    echo.input('s');
    expect(echo.prediction).toEqual({ y: 0, cells: [{ x: 2, text: 'l' }, { x: 3, text: 's' }], cursorX: 4 });
    expect(shown()).toBe('$ ls');
    expect(screen.line()).toBe('$'); // nothing written into the screen itself

    output('l');
    expect(echo.prediction).toEqual({ y: 0, cells: [{ x: 3, text: 's' }], cursorX: 4 });
    output('s');
    expect(echo.prediction).toBeNull();
    expect(echo.pendingCount).toBe(0);
    expect(shown()).toBe('$ ls');
  });

  it('confirms several guesses echoed in one write', () => {
    const { echo, output } = setUp();
    echo.input('echo');
    expect(text(echo)).toBe('echo');
    output('echo');
    expect(echo.pendingCount).toBe(0);
  });

  it('without a prompt mark, draws nothing until the server has echoed a character of this line', () => {
    const { echo, output, shown } = setUp({ mark: false });
    echo.input('a');
    expect(echo.pendingCount).toBe(1);
    expect(echo.prediction).toBeNull();
    echo.input('b');
    expect(echo.prediction).toBeNull();
    output('a');
    // The echo works here: the guess still waiting is drawn, and so are the next ones.
    expect(text(echo)).toBe('b');
    echo.input('c');
    expect(shown()).toBe('$ abc');
  });

  it('undoes a wrong guess when the server shows something else, and guesses no more on that line', () => {
    const { echo, output, shown, screen } = setUp();
    // `stty olcuc`: the echo comes back in capitals.
    echo.input('abc');
    expect(shown()).toBe('$ abc');
    output('A');
    expect(echo.prediction).toBeNull();
    expect(shown()).toBe('$ A');
    output('BC');
    echo.input('d');
    expect(echo.prediction).toBeNull();
    output('D');
    expect(shown()).toBe('$ ABCD');
    expect(screen.line()).toBe('$ ABCD');

    // The line ends, a new prompt comes: guessing again.
    echo.input('\r');
    output(`\r\n${PROMPT}`);
    echo.input('x');
    expect(text(echo)).toBe('x');
  });

  it('trusts the line editor only from the end of the prompt (B), not from its start (A)', () => {
    const { echo, output, shown } = setUp();
    echo.input('true');
    output('true');
    echo.input('\r');
    output('\r\n\x1b]133;C\x07\x1b]133;D;0\x07\x1b]133;A\x07');
    // Between A and B the prompt hooks run: nothing typed is drawn yet…
    echo.input('l');
    expect(echo.prediction).toBeNull();
    output('$ \x1b]133;B\x07');
    // …the prompt, then B: the key typed ahead is over, and what follows is drawn at once.
    expect(echo.pendingCount).toBe(0);
    echo.input('s');
    expect(shown()).toBe('$ s');
  });

  it('draws nothing for a program that PROMPT_COMMAND runs after the A mark and that reads with echo off', () => {
    const { echo, output, shown, clock } = setUp();
    echo.input('cd project');
    output('cd project');
    echo.input('\r');
    // The command ran; at the next prompt, after A, a hook (a direnv .envrc) asks for a passphrase.
    output('\r\n\x1b]133;C\x07\x1b]133;D;0\x07\x1b]133;A\x07Passphrase: ');
    for (const char of 'hunter2') {
      echo.input(char);
      expect(echo.prediction).toBeNull();
      clock.advance(100);
    }
    expect(shown()).toBe('Passphrase:');
    clock.advance(CONFIRM_TIMEOUT_MS);
    expect(echo.pendingCount).toBe(0);
    echo.input('\r');
    // The hook is done: the prompt, and B at its end; guessing again.
    output('\r\n$ \x1b]133;B\x07');
    echo.input('x');
    expect(text(echo)).toBe('x');
  });

  it('with a shell that sends only A (an older integration), the first character of a line waits for its echo', () => {
    const { echo, output, shown } = setUp({ mark: false });
    echo.input('\r');
    output('\r\n');
    echo.promptMark('A');
    output('$ ');
    echo.input('a');
    expect(echo.prediction).toBeNull();
    output('a');
    echo.input('b');
    expect(shown()).toBe('$ ab');
  });

  it('a prompt printed over the guessed cell by the program is not taken for an echo', () => {
    const { echo, output, shown } = setUp({ mark: false });
    echo.input('\r');
    output('\r\n');
    // Typed before the program's prompt arrives; the prompt happens to start with the typed letter.
    echo.input('P');
    output('Password: ');
    expect(echo.prediction).toBeNull();
    echo.input('s');
    echo.input('e');
    expect(echo.prediction).toBeNull();
    expect(shown()).toBe('Password:');
  });

  it('never draws what is typed where the terminal does not echo (read -s, sudo, ssh)', () => {
    const { echo, output, shown, clock } = setUp();
    echo.input('sudo ls');
    output('sudo ls');
    echo.input('\r');
    output('\r\n\x1b]133;C\x07[sudo] password: ');
    for (const char of 'hunter2') {
      echo.input(char);
      expect(echo.prediction).toBeNull();
      clock.advance(100);
    }
    expect(shown()).toBe('[sudo] password:');
    // No echo within the time allowed: nothing is guessed any more on this line.
    clock.advance(CONFIRM_TIMEOUT_MS);
    expect(echo.pendingCount).toBe(0);
    echo.input('x');
    expect(echo.pendingCount).toBe(0);
    expect(echo.prediction).toBeNull();
  });

  it('keeps what is typed after Enter invisible until the new line proves it echoes', () => {
    const { echo, output } = setUp();
    echo.input('read -s x');
    echo.input('\r');
    // Typed ahead, before the server has even echoed the command line.
    echo.input('secret');
    expect(echo.prediction).toBeNull();
    output('read -s x\r\n\x1b]133;C\x07');
    expect(echo.prediction).toBeNull();
    expect(echo.pendingCount).toBe(0);
  });

  it('guesses nothing in the alternate screen, and drops guesses when a program switches to it', () => {
    const { echo, output, screen } = setUp();
    echo.input('vim');
    screen.alternate = true;
    output('');
    expect(echo.prediction).toBeNull();
    echo.input('i');
    echo.input('hello');
    expect(echo.pendingCount).toBe(0);
    expect(echo.prediction).toBeNull();
  });

  it('guesses Backspace within what was typed on the line, not into the prompt', () => {
    const { echo, output, shown } = setUp();
    echo.input('\x7f');
    expect(echo.pendingCount).toBe(0); // before anything typed here: it could be the prompt's text
    echo.input('ab');
    echo.input('\x7f');
    expect(echo.prediction).toEqual({ y: 0, cells: [{ x: 2, text: 'a' }, { x: 3, text: ' ' }], cursorX: 3 });
    expect(shown()).toBe('$ a');
    output('ab');
    output('\b\x1b[K');
    expect(echo.pendingCount).toBe(0);
    echo.input('\x7f');
    echo.input('\x7f');
    // The second would erase the prompt: not guessed, and the first is left to the echo too.
    expect(echo.pendingCount).toBe(0);
    output('\b\x1b[K');
    expect(shown()).toBe('$');
  });

  it('guesses Left and Right within the typed span, and nothing typed in the middle of it', () => {
    const { echo, output } = setUp();
    echo.input('abc');
    echo.input('\x1b[D');
    echo.input('\x1bOD');
    expect(echo.prediction?.cursorX).toBe(3);
    echo.input('\x1b[C');
    expect(echo.prediction?.cursorX).toBe(4);
    output('abc\b\b\x1b[C');
    expect(echo.pendingCount).toBe(0);
    echo.input('\x1b[C');
    echo.input('\x1b[C');
    expect(echo.pendingCount).toBe(0); // past the end of the line: not guessed (nor what was pending)
    // Typing in the middle shifts the rest of the line: left to the shell.
    echo.input('\x1b[D');
    echo.input('x');
    expect(echo.pendingCount).toBe(0);
  });

  it('drops guesses for Ctrl-C, Tab or a paste, and needs an echo again after a control key', () => {
    const { echo, output } = setUp();
    echo.input('ab');
    echo.input('\t');
    expect(echo.pendingCount).toBe(0);
    output('ab');
    echo.input('c');
    expect(text(echo)).toBe('c'); // Tab leaves the line editor in charge: still a prompt
    output('c');
    echo.input('\x1b[200~pasted\x1b[201~');
    expect(echo.pendingCount).toBe(0);
    echo.input('\x03');
    echo.input('x');
    expect(echo.prediction).toBeNull();
    expect(echo.pendingCount).toBe(1);
  });

  it('stops at the right edge instead of guessing a wrap', () => {
    const { echo, screen } = setUp();
    echo.input('x'.repeat(screen.cols));
    expect(echo.pendingCount).toBe(0);
    echo.input('x'.repeat(screen.cols - 4));
    expect(echo.pendingCount).toBe(screen.cols - 4);
    echo.input('y');
    expect(echo.pendingCount).toBe(0);
  });

  it('guesses nothing while off, and drops its guesses when switched off', () => {
    const { echo } = setUp();
    echo.input('ab');
    echo.setEnabled(false);
    expect(echo.prediction).toBeNull();
    echo.input('c');
    expect(echo.pendingCount).toBe(0);
  });

  it('drops a guess whose echo never came, even where echo was seen', () => {
    const { echo, clock } = setUp();
    echo.setRoundTrip(1000);
    echo.input('a');
    clock.advance(CONFIRM_TIMEOUT_MS);
    expect(echo.pendingCount).toBe(1); // four round trips allowed
    clock.advance(4000);
    expect(echo.pendingCount).toBe(0);
    echo.input('b');
    expect(echo.pendingCount).toBe(0);
  });

  it('output moving the cursor with nothing pending means echo must be seen again (not at a prompt)', () => {
    const { echo, output } = setUp({ mark: false });
    echo.input('a');
    output('a');
    echo.input('b');
    expect(text(echo)).toBe('b');
    output('b');
    output('\rName: ');
    echo.input('c');
    expect(echo.prediction).toBeNull();
  });
});

describe('classifyInput', () => {
  it('tells typed text, editing keys and everything else apart', () => {
    expect(classifyInput('a')).toEqual({ kind: 'text', text: 'a' });
    expect(classifyInput('héllo')).toEqual({ kind: 'text', text: 'héllo' });
    expect(classifyInput('日').kind).toBe('other');
    expect(classifyInput('😀').kind).toBe('other');
    expect(classifyInput('\r').kind).toBe('enter');
    expect(classifyInput('\x7f').kind).toBe('erase');
    expect(classifyInput('\x1bOC').kind).toBe('right');
    expect(classifyInput('\x1b[A').kind).toBe('line-edit');
    expect(classifyInput('\x1b[I').kind).toBe('neutral');
    expect(classifyInput('\x1b[200~x\x1b[201~').kind).toBe('other');
    expect(classifyInput('a\nb').kind).toBe('other');
  });
});
