// Plain text from the tail of a terminal's output, for lists (the dashboard's "last line"): not a
// terminal emulator (screen-mirror.ts is one), so cursor movement is ignored, but escape sequences
// are dropped, a carriage return starts the line over, and a line cut by the window's start is skipped.

// CSI, OSC (ended by BEL or ST), other two-byte ESC sequences, and C0 controls but \n and \r.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x1b[ -/]*[0-~]|[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/g;

/** `text` cut to `maxLength` characters (code points: an emoji is never split), the last one an ellipsis when cut. */
export function clipText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const chars = Array.from(text);
  return chars.length <= maxLength ? text : `${chars.slice(0, Math.max(0, maxLength - 1)).join('')}…`;
}

/** The last `count` non-blank lines of `text` (oldest first), at most `maxLength` characters each. */
export function lastLines(text: string, count = 1, maxLength = 200): string[] {
  const lines = text
    .replace(ESCAPES, '')
    .split('\n')
    .map((line) => {
      const parts = line.split('\r').filter((part) => part.trim() !== '');
      return (parts.at(-1) ?? '').trimEnd();
    });
  const result: string[] = [];
  for (let i = lines.length - 1; i >= 0 && result.length < count; i -= 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    result.unshift(clipText(line, maxLength));
  }
  return result;
}

/**
 * The text of an output tail that may begin inside a UTF-8 sequence or an escape sequence, or in
 * the middle of a line: everything before the first line break (else carriage return) is dropped
 * unless the tail is all of the output.
 */
export function tailText(data: Buffer, fromStart: boolean): string {
  const text = data.toString('utf8');
  if (fromStart) return text;
  const newline = text.indexOf('\n');
  return newline === -1 ? text.slice(text.indexOf('\r') + 1) : text.slice(newline + 1);
}
