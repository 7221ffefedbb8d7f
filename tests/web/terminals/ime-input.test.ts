import { describe, expect, it } from 'vitest';
import { ImeInput, isImeKey, textChange } from '../../../src/web/terminals/ime-input.js';

describe('input method text', () => {
  it('sends a change as DELs for what went after the common start, then what came', () => {
    expect(textChange('', 'ls')).toBe('ls');
    expect(textChange('teh ', 'the ')).toBe('\x7f\x7f\x7fhe ');
    expect(textChange('cat ', 'cat')).toBe('\x7f');
    expect(textChange('same', 'same')).toBe('');
    // Characters, not UTF-16 units: an emoji is one DEL.
    expect(textChange('ok 👍', 'ok')).toBe('\x7f\x7f');
    expect(textChange('ok', 'ok 👍')).toBe(' 👍');
  });

  it('sends a composed word once, when the composition ends, and nothing while it goes on', () => {
    const ime = new ImeInput();
    ime.compositionStart('');
    for (const value of ['h', 'he', 'hel']) {
      ime.beforeInput(value.slice(0, -1));
      expect(ime.input(value, 'insertCompositionText')).toBe('');
    }
    expect(ime.isComposing).toBe(true);
    expect(ime.compositionEnd('hello')).toBe('hello');
    expect(ime.isComposing).toBe(false);
    ime.beforeInput('hello');
    expect(ime.input('hello ', 'insertText')).toBe(' ');
  });

  it('a composition over a committed word replaces it (autocorrect after the space)', () => {
    const ime = new ImeInput();
    ime.compositionStart('teh ');
    ime.beforeInput('teh ');
    expect(ime.input('the ', 'insertCompositionText')).toBe('');
    expect(ime.compositionEnd('the ')).toBe('\x7f\x7f\x7fhe ');
  });

  it('a second end for the same change sends nothing (Safari changes the field after compositionend)', () => {
    const ime = new ImeInput();
    ime.compositionStart('');
    expect(ime.compositionEnd('word')).toBe('word');
    expect(ime.compositionEnd('word')).toBe('');
  });

  it('Backspace and letters outside composition, and a cancelled composition', () => {
    const ime = new ImeInput();
    ime.beforeInput('cat ');
    expect(ime.input('cat', 'deleteContentBackward')).toBe('\x7f');
    ime.compositionStart('cat');
    expect(ime.compositionEnd('cat')).toBe('');
  });

  it('an Enter sent as input ends the line after the text before it', () => {
    const ime = new ImeInput();
    ime.beforeInput('ls');
    expect(ime.input('ls -l\n', 'insertLineBreak')).toBe(' -l\r');
  });

  it('an input xterm sends itself is skipped, and the next change starts from the field as it is', () => {
    const ime = new ImeInput();
    ime.beforeInput('');
    ime.skip();
    ime.beforeInput(' ');
    expect(ime.input(' x', 'insertText')).toBe('x');
    ime.compositionStart('a');
    ime.skip();
    expect(ime.compositionEnd('ab')).toBe('b');
    ime.beforeInput('q');
    ime.reset();
    expect(ime.input('qq', 'insertText')).toBe('');
  });

  it('knows an input method\'s keys', () => {
    expect(isImeKey({ keyCode: 229, key: 'Unidentified', isComposing: false })).toBe(true);
    expect(isImeKey({ keyCode: 65, key: 'a', isComposing: true })).toBe(true);
    expect(isImeKey({ keyCode: 13, key: 'Enter', isComposing: false })).toBe(false);
  });
});
