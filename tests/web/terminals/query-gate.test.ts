import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { gateQueryAnswers, isFocusReport } from '../../../src/web/terminals/query-gate.js';

/** xterm's own answers to what it parses, with the gate open or shut. */
async function answersTo(output: string, mayAnswer: boolean): Promise<string> {
  const term = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const answers: string[] = [];
  term.onData((data) => answers.push(data));
  const gate = gateQueryAnswers(term.parser, () => mayAnswer);
  await new Promise<void>((resolve) => term.write(output, resolve));
  gate.dispose();
  term.dispose();
  return answers.join('');
}

const QUERIES = {
  'DA1': '\x1b[c',
  'DA2': '\x1b[>c',
  'DSR': '\x1b[5n',
  'CPR': '\x1b[6n',
  'DECXCPR': '\x1b[?6n',
  'DECRQM (ANSI)': '\x1b[4$p',
  'DECRQM (private)': '\x1b[?2004$p',
  'DECRQSS': '\x1bP$qm\x1b\\',
};

describe('gateQueryAnswers', () => {
  for (const [name, query] of Object.entries(QUERIES)) {
    it(`lets xterm answer ${name} only while this client may`, async () => {
      expect(await answersTo(`hello${query}`, true)).not.toBe('');
      expect(await answersTo(`hello${query}`, false)).toBe('');
    });
  }

  it('leaves what is not a query alone: text, colours set, window operations that change something', async () => {
    const term = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    gateQueryAnswers(term.parser, () => false);
    const titles: string[] = [];
    term.onTitleChange((title) => titles.push(title));
    await new Promise<void>((resolve) => term.write('\x1b]2;kept\x07abc\x1b[22;0t\x1b[23;0tdef', resolve));
    expect(titles).toEqual(['kept']);
    expect(term.buffer.active.getLine(0)?.translateToString(true)).toBe('abcdef');
    term.dispose();
  });

  it('tells focus reports from typed text', () => {
    expect(isFocusReport('\x1b[I')).toBe(true);
    expect(isFocusReport('\x1b[O')).toBe(true);
    expect(isFocusReport('I')).toBe(false);
  });
});
