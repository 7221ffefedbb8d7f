// A path typed at a prompt (issue 22 §2: an uploaded image's), DOM-free.

/** A path as a shell reads it: as it is when that is safe, else in single quotes. */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
