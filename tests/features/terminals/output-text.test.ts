import { describe, expect, it } from 'vitest';
import { lastLines, tailText } from '../../../src/features/terminals/output-text.js';

describe('plain text from the tail of a terminal output', () => {
  it('drops colours, titles and controls, and keeps what a carriage return wrote last', () => {
    const output = '\x1b]0;build\x07\x1b[1;32m✓ compiled\x1b[0m\r\n 10%\r 55%\r100% done\r\n\x1b[?2004h$ \x1b[K\r\n';
    expect(lastLines(output, 3)).toEqual(['✓ compiled', '100% done', '$']);
    expect(lastLines(output)).toEqual(['$']);
  });

  it('skips blank lines and shortens long ones', () => {
    expect(lastLines('first\n\n   \nsecond\n\n')).toEqual(['second']);
    expect(lastLines(`${'x'.repeat(300)}\n`, 1, 10)).toEqual([`${'x'.repeat(9)}…`]);
    expect(lastLines('')).toEqual([]);
  });

  it('leaves out a line cut by the start of the window, unless the window is the whole output', () => {
    const data = Buffer.from('…rest of a line\nwhole line\n');
    expect(lastLines(tailText(data, false), 2)).toEqual(['whole line']);
    expect(lastLines(tailText(data, true), 2)).toEqual(['…rest of a line', 'whole line']);
    // One long progress line with no line break: what follows the first carriage return.
    expect(tailText(Buffer.from('ss 40%\r 50%\r 60%'), false)).toBe(' 50%\r 60%');
  });
});
