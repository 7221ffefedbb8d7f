import { describe, expect, it } from 'vitest';
import { cleanNotificationText, MAX_NOTIFICATION_CHARS, SignalParser, type TerminalSignal } from '../../../src/features/terminals/signals.js';

/** Feeds `chunks` (strings, as bytes) to one parser; returns the signals in order. */
function scan(...chunks: Array<string | Buffer>): TerminalSignal[] {
  const parser = new SignalParser();
  const signals: TerminalSignal[] = [];
  for (const chunk of chunks) parser.scan(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, (signal) => signals.push(signal));
  return signals;
}

/** Every way of cutting `text` in two, plus one chunk per byte. */
function everySplit(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const splits: Buffer[][] = [];
  for (let at = 0; at <= bytes.length; at++) splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
  splits.push([...bytes].map((byte) => Buffer.from([byte])));
  return splits;
}

describe('SignalParser', () => {
  it('finds the bell in plain output and in output full of other escape sequences', () => {
    expect(scan('hello\x07world')).toEqual([{ kind: 'bell' }]);
    expect(scan('\x1b[31mred\x1b[0m\x07\x1b[2J\x07')).toEqual([{ kind: 'bell' }, { kind: 'bell' }]);
    expect(scan('no signal here \x1b[1;2H \x1b(B')).toEqual([]);
  });

  it('does not take a BEL that ends an OSC string for a bell', () => {
    expect(scan('\x1b]0;my title\x07')).toEqual([]);
    expect(scan('\x1b]8;;https://example.com\x07link\x1b]8;;\x07')).toEqual([]);
    // … nor one inside DCS, APC, PM or SOS strings (which end at ST).
    expect(scan('\x1bPtmux;\x1b\x1b]0;x\x07\x1b\\')).toEqual([]);
    expect(scan('\x1b_Gf=24;AAAA\x1b\\after\x07')).toEqual([{ kind: 'bell' }]);
  });

  it('reads OSC 133 marks ended by BEL or by ST', () => {
    expect(scan('\x1b]133;A\x07$ \x1b]133;B\x07')).toEqual([{ kind: 'prompt' }, { kind: 'command-line' }]);
    expect(scan('\x1b]133;C\x1b\\output')).toEqual([{ kind: 'command-start' }]);
    expect(scan('\x1b]133;D;0\x07')).toEqual([{ kind: 'command-done', exitCode: 0 }]);
    expect(scan('\x1b]133;D;127\x1b\\')).toEqual([{ kind: 'command-done', exitCode: 127 }]);
    expect(scan('\x1b]133;D;2;aid=42\x07')).toEqual([{ kind: 'command-done', exitCode: 2 }]);
  });

  it('reads OSC 133 D without an exit code as an unknown code', () => {
    expect(scan('\x1b]133;D\x07')).toEqual([{ kind: 'command-done', exitCode: null }]);
    expect(scan('\x1b]133;D;\x07')).toEqual([{ kind: 'command-done', exitCode: null }]);
    expect(scan('\x1b]133;D;x\x07')).toEqual([{ kind: 'command-done', exitCode: null }]);
    expect(scan('\x1b]133;Z\x07\x1b]1337;A\x07')).toEqual([]);
  });

  it('reads OSC 9 and OSC 777 notifications, ignoring OSC 9 progress and directory reports', () => {
    expect(scan('\x1b]9;Build finished\x07')).toEqual([{ kind: 'notify', source: 'osc9', title: null, body: 'Build finished' }]);
    expect(scan('\x1b]777;notify;Claude;Needs your approval\x1b\\')).toEqual([
      { kind: 'notify', source: 'osc777', title: 'Claude', body: 'Needs your approval' },
    ]);
    expect(scan('\x1b]9;4;1;50\x07\x1b]9;9;/home/me\x07')).toEqual([]);
    expect(scan('\x1b]777;preexec\x07')).toEqual([]);
  });

  it('survives every split of every sequence across chunks', () => {
    const text = 'a\x07b\x1b]133;D;1\x07c\x1b]9;Done ✓\x1b\\d\x1b]0;t\x07e\x1b[0m\x1b]777;notify;T;B\x07';
    const expected = scan(text);
    expect(expected).toEqual([
      { kind: 'bell' },
      { kind: 'command-done', exitCode: 1 },
      { kind: 'notify', source: 'osc9', title: null, body: 'Done ✓' },
      { kind: 'notify', source: 'osc777', title: 'T', body: 'B' },
    ]);
    for (const chunks of everySplit(text)) expect(scan(...chunks)).toEqual(expected);
  });

  it('treats an ESC inside a string as its end (ST) or as a cut-short string, and recovers', () => {
    // The OSC is cut short by a CSI: no notification, and the following bell still counts.
    expect(scan('\x1b]9;half\x1b[31m\x07')).toEqual([{ kind: 'bell' }]);
  });

  it('skips overlong OSC strings without copying them, then goes on', () => {
    const clipboard = `\x1b]52;c;${'A'.repeat(100_000)}\x07`;
    expect(scan(clipboard, '\x07')).toEqual([{ kind: 'bell' }]);
    expect(scan(`\x1b]9;${'x'.repeat(5000)}\x07`)).toEqual([]);
  });

  it('makes notification text safe to show: no control characters, capped length', () => {
    // The ESC cuts the OSC short: no notification (and the BEL after it is a bell of its own).
    expect(scan('\x1b]9;evil\x1b[2J?\u202eon\x08 \x7f\u009b text\x07')).toEqual([{ kind: 'bell' }]);
    expect(cleanNotificationText('a\u0000b\u202ec\u009bd\te  f')).toBe('a b c d e f');
    const long = cleanNotificationText('x'.repeat(500));
    expect(long.length).toBe(MAX_NOTIFICATION_CHARS + 1);
    expect(long.endsWith('…')).toBe(true);
    const [notify] = scan('\x1b]777;notify;ti\u0085tle;bo\u0090dy\x07');
    expect(notify).toEqual({ kind: 'notify', source: 'osc777', title: 'ti tle', body: 'bo dy' });
  });
});
