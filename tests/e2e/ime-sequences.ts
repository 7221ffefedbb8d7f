// Input-method event sequences replayed on xterm's textarea (issue 22 §2, xterm.js #3600). Each is one
// key after another as Chrome on Android delivers them from the keyboard named: a keydown with key code
// 229 ("Unidentified"), then composition and input events, the textarea's value changing between
// `beforeinput` and `input`. They follow the order of the UI Events spec that Chrome keeps
// (beforeinput → compositionupdate → value → input; compositionend after the last input) and the cases
// reported in xterm.js #3600, #3679 and #3191: Gboard composing each word and committing it at the
// space, autocorrect changing the word as it commits, a suggestion tapped for a half-typed word,
// a correction composed again over a word already committed, Backspace after a commit, and SwiftKey
// and Samsung Keyboard inserting letters without composition.

export type ImeEvent =
  /** keydown and keyup with key code 229: every key of an input method. */
  | { type: 'key229' }
  | { type: 'compositionstart'; data: string }
  /** beforeinput (insertCompositionText) → compositionupdate → the value changes → input. */
  | { type: 'compose'; data: string; value: string }
  | { type: 'compositionend'; data: string }
  /** beforeinput → the value changes → input, outside composition (insertText, deleteContentBackward…). */
  | { type: 'input'; inputType: string; data: string | null; value: string };

export interface ImeSequence {
  name: string;
  /** Typed first with ordinary keys (e.g. `echo [`), so the shell shows what the sequence made of its line. */
  keys: ImeEvent[][];
  /** What the line must hold after the sequence, once. */
  expected: string;
}

const key = (...events: ImeEvent[]): ImeEvent[] => [{ type: 'key229' }, ...events];

/** Gboard composing `word` letter by letter from `before` (the textarea's text so far). */
function gboardWord(before: string, word: string): ImeEvent[][] {
  return [...word].map((_, index) => {
    const data = word.slice(0, index + 1);
    const events: ImeEvent[] = [{ type: 'compose', data, value: before + data }];
    return key(...(index === 0 ? [{ type: 'compositionstart', data: '' } as ImeEvent, ...events] : events));
  });
}

/** The space that commits a word: compositionend, then the space inserted as text. */
function gboardSpace(value: string, word: string): ImeEvent[] {
  return key({ type: 'compositionend', data: word }, { type: 'input', inputType: 'insertText', data: ' ', value: `${value} ` });
}

export const IME_SEQUENCES: ImeSequence[] = [
  {
    name: 'Gboard types two words, each composed and committed at the space',
    keys: [...gboardWord('', 'ls'), gboardSpace('ls', 'ls'), ...gboardWord('ls ', 'tmp'), gboardSpace('ls tmp', 'tmp')],
    expected: 'ls tmp ',
  },
  {
    name: 'Gboard autocorrect changes the word as the space commits it (teh → the)',
    keys: [
      ...gboardWord('', 'teh'),
      key(
        { type: 'compose', data: 'the', value: 'the' },
        { type: 'compositionend', data: 'the' },
        { type: 'input', inputType: 'insertText', data: ' ', value: 'the ' },
      ),
    ],
    expected: 'the ',
  },
  {
    name: 'a Gboard suggestion tapped for a half-typed word (hel → hello and a space)',
    keys: [
      ...gboardWord('', 'hel'),
      [
        { type: 'compose', data: 'hello', value: 'hello' },
        { type: 'compositionend', data: 'hello' },
        { type: 'input', inputType: 'insertText', data: ' ', value: 'hello ' },
      ],
    ],
    expected: 'hello ',
  },
  {
    name: 'a correction composed again over a word already committed (teh  → the )',
    keys: [
      ...gboardWord('', 'teh'),
      gboardSpace('teh', 'teh'),
      // The suggestion strip's "the" tapped: the keyboard marks "teh" as composing again and replaces it.
      [
        { type: 'compositionstart', data: 'teh' },
        { type: 'compose', data: 'the', value: 'the ' },
        { type: 'compositionend', data: 'the' },
      ],
    ],
    expected: 'the ',
  },
  {
    name: 'Backspace after a committed word, then the word composed again and extended (cat  → cats)',
    keys: [
      ...gboardWord('', 'cat'),
      gboardSpace('cat', 'cat'),
      key({ type: 'input', inputType: 'deleteContentBackward', data: null, value: 'cat' }),
      key({ type: 'compositionstart', data: 'cat' }, { type: 'compose', data: 'cats', value: 'cats' }),
      key({ type: 'compositionend', data: 'cats' }, { type: 'input', inputType: 'insertText', data: ' ', value: 'cats ' }),
    ],
    expected: 'cats ',
  },
  {
    name: 'SwiftKey and Samsung Keyboard insert letters without composition, and digits and punctuation as text',
    keys: [
      key({ type: 'input', inputType: 'insertText', data: 'g', value: 'g' }),
      key({ type: 'input', inputType: 'insertText', data: 'o', value: 'go' }),
      key({ type: 'input', inputType: 'insertText', data: ' ', value: 'go ' }),
      key({ type: 'input', inputType: 'insertText', data: '4', value: 'go 4' }),
      key({ type: 'input', inputType: 'insertText', data: '2', value: 'go 42' }),
      key({ type: 'input', inputType: 'insertText', data: '!', value: 'go 42!' }),
    ],
    expected: 'go 42!',
  },
  {
    name: 'dictation (Gboard voice typing) commits a phrase at once, with an emoji',
    keys: [
      key({ type: 'compositionstart', data: '' }, { type: 'compose', data: 'hello world', value: 'hello world' }),
      [{ type: 'compositionend', data: 'hello world' }],
      key({ type: 'input', inputType: 'insertText', data: ' 👍', value: 'hello world 👍' }),
    ],
    expected: 'hello world 👍',
  },
];
