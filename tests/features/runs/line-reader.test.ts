// The reader of an agent's terminal output (src/features/runs/runner.ts): lines by byte offset out of a
// PTY's stream, whatever the chunks, with what the program sends its terminal left out.
import { describe, expect, it } from 'vitest';
import { LineReader, withoutTerminalControls } from '../../../src/features/runs/runner.js';

function reader(maxLine = 1024) {
  const lines: [string, number][] = [];
  const read = new LineReader(maxLine, (line, end) => lines.push([line, end]));
  let offset = 0;
  const push = (text: string | Buffer, start = offset) => {
    const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
    read.push(start, data, offset);
    offset = start + data.length;
  };
  return { lines, read, push, end: () => read.end(offset) };
}

describe('LineReader', () => {
  it('splits CRLF lines at byte offsets, across chunks and inside a UTF-8 character', () => {
    const r = reader();
    const bytes = Buffer.from('{"a":"é"}\r\n{"b":2}\r\npartial');
    r.push(bytes.subarray(0, 7)); // cuts "é" in two
    r.push(bytes.subarray(7, 15));
    r.push(bytes.subarray(15));
    expect(r.lines).toEqual([
      ['{"a":"é"}', 12],
      ['{"b":2}', 21],
    ]);
    r.end();
    expect(r.lines.at(-1)).toEqual(['partial', bytes.length]);
  });

  it('cuts an over-long line and drops the rest of it up to its newline', () => {
    const r = reader(10);
    r.push('x'.repeat(8));
    r.push(`${'x'.repeat(8)}\r\nnext\r\n`);
    expect(r.lines.map(([line]) => line)).toEqual(['x'.repeat(10), 'next']);
  });

  it('after a gap (output trimmed before it was read) skips to the next whole line', () => {
    const r = reader();
    r.push('{"half');
    r.push('of a line"}\r\n{"whole":1}\r\n', 100);
    expect(r.lines).toEqual([['{"whole":1}', 126]]);
  });

  it('leaves out terminal modes and titles, and keeps other text as the stderr tail', () => {
    const r = reader();
    r.push('\x1b[?2004h{"type":"system"}\r\nError: model not found\r\n\x1b[?1006l\x1b(B\x0f\x1b[>4m\x1b[<u\x1b7\x1b[r\x1b8\x1b]0;\x07\x1b[?25h\r\n');
    expect(r.lines.map(([line]) => line)).toEqual(['{"type":"system"}', 'Error: model not found']);
    expect(r.read.stderrTail.trim()).toBe('Error: model not found');
  });
});

describe('withoutTerminalControls', () => {
  it('keeps JSON as it is and removes CSI, OSC, DCS and ESC sequences', () => {
    const json = '{"text":"a\\u001b[31mred\\u001b[0m\\ttab"}';
    expect(withoutTerminalControls(json)).toBe(json);
    expect(withoutTerminalControls('\x1b]2;title\x1b\\a\x1bPq#0\x1b\\b\x1b[1;31mc\x1b=d\x07')).toBe('abcd');
  });
});
