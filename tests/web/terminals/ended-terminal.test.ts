import { describe, expect, it } from 'vitest';
import { describeEnd, endedKeyAction } from '../../../src/web/terminals/ended-terminal.js';

/** Feeds keys one by one, as xterm sends them, and says what each did. */
function type(keys: string[]): { startAgain: number; hints: number } {
  let typed = false;
  let startAgain = 0;
  let hints = 0;
  for (const key of keys) {
    const action = endedKeyAction(typed, key);
    typed = action.typed;
    if (action.startAgain) startAgain++;
    if (action.hint) hints++;
  }
  return { startAgain, hints };
}

describe('keys typed into an ended terminal', () => {
  it('start it again with an Enter on its own', () => {
    expect(type(['\r'])).toEqual({ startAgain: 1, hints: 0 });
  });

  it('start nothing when a command line is typed and entered', () => {
    expect(type([...'echo one two three four', '\r'])).toMatchObject({ startAgain: 0 });
    expect(type(['echo pasted\r'])).toMatchObject({ startAgain: 0 });
  });

  it('start it again with a lone Enter after a dropped line', () => {
    expect(type([...'ls', '\r', '\r'])).toMatchObject({ startAgain: 1 });
  });

  it('ignore focus and mouse reports', () => {
    expect(type(['\x1b[I', '\x1b[<0;3;4M', '\r'])).toEqual({ startAgain: 1, hints: 0 });
  });
});

describe('describeEnd', () => {
  it('says how a terminal ended in words, without signal arithmetic', () => {
    expect(describeEnd(0, 'exited')).toBe('The shell exited.');
    expect(describeEnd(2, 'exited')).toBe('The shell exited with code 2.');
    expect(describeEnd(129, 'server-shutdown')).toBe('Ended when the Shellport server stopped.');
    expect(describeEnd(null, 'server-restart')).toBe('Ended when the Shellport server restarted.');
    expect(describeEnd(137, 'killed')).toBe('Closed from Shellport.');
    expect(describeEnd(null, 'something-new')).toBe('Ended (something-new).');
  });
});
