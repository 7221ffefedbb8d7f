// Text as lists and notifications show it. Imports nothing (src/shared).

/** `text` on one line (every run of white space one space), at most `max` characters, cut with "…". */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
