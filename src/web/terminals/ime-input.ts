// Text from on-screen keyboards and input methods (issue 22 §2), DOM-free: each character reaches the
// program exactly once. Android keyboards (Gboard, SwiftKey, Samsung) type through composition in
// xterm's hidden textarea, with key code 229 for every key; they commit words, replace a word when
// autocorrect or a suggestion changes it, and sometimes compose again over a word already committed.
// xterm.js guesses what was typed from those events and the textarea's growth, and doubles or drops
// characters (xterm.js #3600, #3679, #3191). Here the textarea is the truth: what the program has is
// the textarea's text before a change (no change is sent until it is final: a composition's end, or an
// input outside composition), and a change is sent as the difference — a DEL for each character that
// went after the longest common start, then the characters that came.

/** DEL, what the Backspace key sends (xterm's default), one per character removed. */
const DEL = '\x7f';

/** What turns `before` (what the program has from the field) into `after`. Characters, not UTF-16 units. */
export function textChange(before: string, after: string): string {
  const was = [...before];
  const now = [...after];
  let same = 0;
  while (same < was.length && same < now.length && was[same] === now[same]) same++;
  return DEL.repeat(was.length - same) + now.slice(same).join('');
}

/** Input types that end the line: the keyboard's Enter sent as input rather than as a key. */
const LINE_BREAKS = new Set(['insertLineBreak', 'insertParagraph']);

/** Whether a keydown is an input method's (key code 229, "Process"/"Unidentified" key): its text comes as input. */
export function isImeKey(event: { keyCode: number; key: string; isComposing: boolean }): boolean {
  return event.keyCode === 229 || event.isComposing || event.key === 'Process';
}

/**
 * Follows the textarea through one input method's events and says what to send. Call with the
 * textarea's value as each event sees it: `beforeinput` before the change, `input` and
 * `compositionend` after it.
 */
export class ImeInput {
  /** The textarea's text the program has: taken before the change that is under way, null between changes. */
  private sent: string | null = null;
  private composing = false;

  get isComposing(): boolean {
    return this.composing;
  }

  compositionStart(value: string): void {
    // A composition over text already committed (autocorrect, a suggestion tapped for the last word)
    // starts from the text the program has, the word included.
    if (!this.composing) this.sent ??= value;
    this.composing = true;
  }

  beforeInput(value: string): void {
    this.sent ??= value;
  }

  /** An input event; returns what to send now ('' while a composition goes on). */
  input(value: string, inputType: string): string {
    if (this.composing || inputType === 'insertCompositionText') return '';
    if (LINE_BREAKS.has(inputType)) {
      // The line ends: the text before the break, then Enter (the caller clears the field).
      const before = this.flush(value.replace(/\n+$/, ''));
      return `${before}\r`;
    }
    return this.flush(value);
  }

  /** The composition ended: the final text goes, as a change from what the program had. */
  compositionEnd(value: string): string {
    this.composing = false;
    return this.flush(value);
  }

  /** An input that is not ours to send (it follows a key xterm sent itself): the next change starts from the field as it is. */
  skip(): void {
    if (!this.composing) this.sent = null;
  }

  /** The field was cleared or refilled by someone else (xterm clears it on Enter and Ctrl+C): start from it. */
  reset(): void {
    this.sent = null;
    this.composing = false;
  }

  private flush(value: string): string {
    const change = this.sent === null ? '' : textChange(this.sent, value);
    this.sent = null;
    return change;
  }
}
