import type { DiffFile, DiffHunk, DiffLine, FileChangeStatus } from '../../shared/review.js';

/*
 * Pure parsers of git's diff output (issue 21 §2), no git and no I/O:
 *  - parseGitDiff: the unified patch of `git diff` (https://git-scm.com/docs/diff-format and
 *    https://git-scm.com/docs/git-diff#_generating_patch_text_with_p): extended header lines, hunks,
 *    "\ No newline at end of file", binary files, C-quoted paths;
 *  - parseRawNumstat: `git diff --raw --numstat -z`, the list of changed files with their status and counts.
 */

/** A file as the diff text says it: the shared view's fields that git gives, with counts always known. */
export interface ParsedDiffFile extends Pick<DiffFile, 'path' | 'oldPath' | 'status' | 'binary' | 'similarity' | 'oldMode' | 'newMode' | 'hunks'> {
  additions: number;
  deletions: number;
  /** Lines beyond `maxFileLines` were counted but not kept. */
  truncated: boolean;
}

export interface DiffParseLimits {
  /** Lines kept per file (context included); the rest is counted only. */
  maxFileLines: number;
  /** Characters kept per line. */
  maxLineChars: number;
}

const NO_LIMITS: DiffParseLimits = { maxFileLines: Number.POSITIVE_INFINITY, maxLineChars: Number.POSITIVE_INFINITY };

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * A path as git prints it: a C-style quoted string ("sp ace \303\251.txt", octal bytes of UTF-8) when
 * it has unusual characters (core.quotePath), else as it is. Answers the path and where it ended.
 */
export function readGitPath(text: string, from = 0): { path: string; end: number } {
  if (text[from] !== '"') {
    return { path: text.slice(from), end: text.length };
  }
  const bytes: number[] = [];
  let i = from + 1;
  while (i < text.length && text[i] !== '"') {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (/[0-7]/.test(next)) {
        const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
        bytes.push(Number.parseInt(octal, 8) & 0xff);
        i += 1 + octal.length;
        continue;
      }
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      i += 2;
      continue;
    }
    bytes.push(...Buffer.from(char, 'utf8'));
    i += 1;
  }
  return { path: Buffer.from(bytes).toString('utf8'), end: Math.min(i + 1, text.length) };
}

/** A path of a `---`/`+++`, `rename from` or `Binary files` line: unquoted, without git's trailing tab, null for /dev/null. */
function pathOf(raw: string, prefix: string | null): string | null {
  // git ends a ---/+++ path holding a space with a tab (for GNU patch).
  const text = raw.replace(/\t$/, '');
  if (text === '/dev/null') return null;
  const { path } = readGitPath(text);
  return prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * The two paths of `diff --git a/<old> b/<new>`. Unquoted paths holding spaces are ambiguous; the
 * header is then read as two equal halves (the common case: not a rename), else split at " b/".
 */
export function parseDiffHeader(rest: string): { oldPath: string; newPath: string } {
  if (rest.startsWith('"')) {
    const first = readGitPath(rest);
    const second = rest.slice(first.end + 1);
    const newPath = second.startsWith('"') ? readGitPath(second).path : second;
    return { oldPath: strip(first.path, 'a/'), newPath: strip(newPath, 'b/') };
  }
  const quotedSecond = rest.indexOf(' "b/');
  if (quotedSecond > 0) return { oldPath: strip(rest.slice(0, quotedSecond), 'a/'), newPath: strip(readGitPath(rest.slice(quotedSecond + 1)).path, 'b/') };
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (rest[half] === ' ' && left.startsWith('a/') && right.startsWith('b/') && left.slice(2) === right.slice(2)) return { oldPath: left.slice(2), newPath: right.slice(2) };
  }
  const split = rest.indexOf(' b/');
  if (split < 0) return { oldPath: strip(rest, 'a/'), newPath: strip(rest, 'a/') };
  return { oldPath: strip(rest.slice(0, split), 'a/'), newPath: rest.slice(split + 3) };
}

const strip = (path: string, prefix: string) => (path.startsWith(prefix) ? path.slice(prefix.length) : path);

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/**
 * Parses `git diff` patch output made with `--src-prefix=a/ --dst-prefix=b/` (the caller pins the
 * prefixes, whatever the repository's diff.noprefix or diff.mnemonicPrefix say). Added and removed
 * lines are counted in full; only the lines kept are limited.
 */
export function parseGitDiff(text: string, limits: DiffParseLimits = NO_LIMITS): ParsedDiffFile[] {
  const files: ParsedDiffFile[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let file: ParsedDiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let oldNumber = 0;
  let newNumber = 0;
  let kept = 0;
  let lastLine: DiffLine | null = null;
  // Set by "new file mode"/"deleted file mode"/renames; the status is settled when the file ends.
  let flags = { added: false, deleted: false, renamed: false, copied: false };

  const finish = () => {
    if (!file) return;
    if (flags.added) file.status = 'added';
    else if (flags.deleted) file.status = 'deleted';
    else if (flags.renamed) file.status = 'renamed';
    else if (flags.copied) file.status = 'copied';
    else if (file.oldMode && file.newMode && file.oldMode !== file.newMode && file.hunks.length === 0 && !file.binary) file.status = 'mode-changed';
    else file.status = 'modified';
    if (file.status === 'deleted') file.path = file.oldPath ?? file.path;
    if (file.status !== 'renamed' && file.status !== 'copied') file.oldPath = null;
    files.push(file);
    file = null;
    hunk = null;
  };

  for (const line of lines) {
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const sign = line[0];
      const body = line.slice(1);
      let entry: DiffLine | null = null;
      if (sign === '+') {
        file!.additions += 1;
        newLeft -= 1;
        entry = { kind: 'add', text: body, oldLine: null, newLine: newNumber++ };
      } else if (sign === '-') {
        file!.deletions += 1;
        oldLeft -= 1;
        entry = { kind: 'del', text: body, oldLine: oldNumber++, newLine: null };
      } else if (sign === ' ' || line === '') {
        // An empty line in a hunk is a context line whose space some tools strip.
        oldLeft -= 1;
        newLeft -= 1;
        entry = { kind: 'context', text: body, oldLine: oldNumber++, newLine: newNumber++ };
      } else if (sign === '\\') {
        if (lastLine) lastLine.noNewlineAtEnd = true;
        continue;
      } else {
        // Not a hunk line after all (a hunk shorter than its header said): read it as a header line.
        oldLeft = 0;
        newLeft = 0;
      }
      if (entry) {
        if (entry.text.length > limits.maxLineChars) {
          entry.text = entry.text.slice(0, limits.maxLineChars);
          entry.cut = true;
        }
        if (kept < limits.maxFileLines) {
          hunk.lines.push(entry);
          kept += 1;
          lastLine = entry;
        } else {
          file!.truncated = true;
          lastLine = null;
        }
        continue;
      }
    }
    if (line.startsWith('\\')) {
      // "\ No newline at end of file" after the last line of a hunk.
      if (lastLine) lastLine.noNewlineAtEnd = true;
      continue;
    }
    if (line.startsWith('diff --git ')) {
      finish();
      const { oldPath, newPath } = parseDiffHeader(line.slice('diff --git '.length));
      file = { path: newPath, oldPath, status: 'modified', binary: false, similarity: null, oldMode: null, newMode: null, additions: 0, deletions: 0, hunks: [], truncated: false };
      flags = { added: false, deleted: false, renamed: false, copied: false };
      kept = 0;
      lastLine = null;
      continue;
    }
    if (!file) continue;
    const current: ParsedDiffFile = file;
    const match = HUNK_HEADER.exec(line);
    if (match) {
      const [, oldStart, oldCount, newStart, newCount, section] = match;
      hunk = {
        header: line,
        oldStart: Number(oldStart),
        oldLines: oldCount === undefined ? 1 : Number(oldCount),
        newStart: Number(newStart),
        newLines: newCount === undefined ? 1 : Number(newCount),
        section: section ? section : null,
        lines: [],
      };
      oldLeft = hunk.oldLines;
      newLeft = hunk.newLines;
      oldNumber = hunk.oldStart;
      newNumber = hunk.newStart;
      lastLine = null;
      if (kept < limits.maxFileLines) current.hunks.push(hunk);
      else current.truncated = true;
      continue;
    }
    if (line.startsWith('old mode ')) current.oldMode = line.slice(9).trim();
    else if (line.startsWith('new mode ')) current.newMode = line.slice(9).trim();
    else if (line.startsWith('new file mode ')) {
      flags.added = true;
      current.newMode = line.slice(14).trim();
    } else if (line.startsWith('deleted file mode ')) {
      flags.deleted = true;
      current.oldMode = line.slice(18).trim();
    } else if (line.startsWith('similarity index ')) current.similarity = Number.parseInt(line.slice(17), 10);
    else if (line.startsWith('rename from ')) {
      flags.renamed = true;
      current.oldPath = pathOf(line.slice(12), null);
    } else if (line.startsWith('rename to ')) current.path = pathOf(line.slice(10), null) ?? current.path;
    else if (line.startsWith('copy from ')) {
      flags.copied = true;
      current.oldPath = pathOf(line.slice(10), null);
    } else if (line.startsWith('copy to ')) current.path = pathOf(line.slice(8), null) ?? current.path;
    else if (line.startsWith('index ')) {
      // "index abc..def 100644": the mode when it did not change.
      const mode = /^index \S+ (\d{6})$/.exec(line)?.[1];
      if (mode) {
        current.oldMode ??= mode;
        current.newMode ??= mode;
      }
    } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') current.binary = true;
    else if (line.startsWith('--- ')) {
      const path = pathOf(line.slice(4), 'a/');
      if (path !== null) current.oldPath = path;
    } else if (line.startsWith('+++ ')) {
      const path = pathOf(line.slice(4), 'b/');
      if (path !== null) current.path = path;
    }
  }
  finish();
  return files;
}

/** One changed file of `git diff --raw --numstat -z`. */
export interface RawChange {
  path: string;
  oldPath: string | null;
  status: FileChangeStatus;
  /** git's letter: A, C, D, M, R, T (U for unmerged). */
  letter: string;
  similarity: number | null;
  oldMode: string;
  newMode: string;
  /** null for binary files. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
}

const LETTERS: Record<string, FileChangeStatus> = { A: 'added', C: 'copied', D: 'deleted', M: 'modified', R: 'renamed', T: 'type-changed', U: 'modified' };

/**
 * Parses `git diff --raw --numstat -z` (https://git-scm.com/docs/git-diff#_raw_output_format): the raw
 * records (":100644 100755 abc def M\0path\0", "R086\0old\0new\0") and the numstat records ("3\t1\tpath\0",
 * "-\t-\tbinary\0", "0\t0\t\0old\0new\0"), joined by path.
 */
export function parseRawNumstat(text: string): RawChange[] {
  const tokens = text.split('\0');
  const changes: RawChange[] = [];
  const byPath = new Map<string, RawChange>();
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!.replace(/^\n/, '');
    i += 1;
    if (token === '') continue;
    if (token.startsWith(':')) {
      const [oldMode = '', newMode = '', , , code = ''] = token.slice(1).split(' ');
      const letter = code.charAt(0);
      const twoPaths = letter === 'R' || letter === 'C';
      const first = tokens[i++] ?? '';
      const second = twoPaths ? (tokens[i++] ?? '') : null;
      const similarity = twoPaths ? Number.parseInt(code.slice(1), 10) : null;
      let status = LETTERS[letter] ?? 'modified';
      if (status === 'modified' && oldMode !== newMode) status = 'mode-changed';
      const change: RawChange = {
        path: second ?? first,
        oldPath: second === null ? null : first,
        status,
        letter,
        similarity: Number.isFinite(similarity) ? similarity : null,
        oldMode,
        newMode,
        additions: 0,
        deletions: 0,
        binary: false,
      };
      changes.push(change);
      byPath.set(change.path, change);
      continue;
    }
    const numstat = /^(\d+|-)\t(\d+|-)\t([\s\S]*)$/.exec(token);
    if (!numstat) continue;
    const [, added = '', removed = '', named = ''] = numstat;
    let path = named;
    if (named === '') {
      i += 1; // the old path
      path = tokens[i++] ?? '';
    }
    const change = byPath.get(path);
    if (!change) continue;
    change.binary = added === '-';
    change.additions = added === '-' ? null : Number(added);
    change.deletions = removed === '-' ? null : Number(removed);
    // A mode change with content changes too is "modified" (the words say the new mode).
    if (change.status === 'mode-changed' && (change.additions ?? 0) + (change.deletions ?? 0) > 0) change.status = 'modified';
    if (change.status === 'mode-changed' && change.binary) change.status = 'modified';
  }
  return changes;
}

/** One entry of `git status --porcelain=v1 -z`: index and work-tree letters, the path, and the original path of a rename or copy. */
export interface StatusEntry {
  index: string;
  workTree: string;
  path: string;
  oldPath: string | null;
}

/**
 * Parses `git status --porcelain=v1 -z` (https://git-scm.com/docs/git-status#_porcelain_format_version_1):
 * "XY path\0", and for a rename or copy in the index "XY new\0old\0". Paths are raw (-z: never quoted).
 */
export function parsePorcelainStatus(text: string): StatusEntry[] {
  const tokens = text.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    if (token.length < 4 || token[2] !== ' ') continue;
    const index = token[0]!;
    const workTree = token[1]!;
    const renamed = index === 'R' || index === 'C';
    const oldPath = renamed ? (tokens[++i] ?? null) : null;
    entries.push({ index, workTree, path: token.slice(3), oldPath });
  }
  return entries;
}

/**
 * The patch git would print for a new file with this content (`git diff --no-index /dev/null file`):
 * one hunk of added lines, the last one marked when it has no line ending; null for binary content
 * (a NUL byte in the first 8000 bytes, git's own test).
 */
export function addedFileLines(content: Buffer, limits: DiffParseLimits = NO_LIMITS): { binary: true } | { binary: false; additions: number; hunks: DiffHunk[]; truncated: boolean } {
  if (content.subarray(0, 8000).includes(0)) return { binary: true };
  if (content.length === 0) return { binary: false, additions: 0, hunks: [], truncated: false };
  const text = content.toString('utf8');
  const parts = text.split('\n');
  const endsWithNewline = parts.at(-1) === '';
  if (endsWithNewline) parts.pop();
  const lines: DiffLine[] = [];
  for (let i = 0; i < parts.length && lines.length < limits.maxFileLines; i += 1) {
    const line: DiffLine = { kind: 'add', text: parts[i]!, oldLine: null, newLine: i + 1 };
    if (line.text.length > limits.maxLineChars) {
      line.text = line.text.slice(0, limits.maxLineChars);
      line.cut = true;
    }
    if (i === parts.length - 1 && !endsWithNewline) line.noNewlineAtEnd = true;
    lines.push(line);
  }
  const header = `@@ -0,0 +1${parts.length === 1 ? '' : `,${parts.length}`} @@`;
  return { binary: false, additions: parts.length, hunks: [{ header, oldStart: 0, oldLines: 0, newStart: 1, newLines: parts.length, section: null, lines }], truncated: lines.length < parts.length };
}
