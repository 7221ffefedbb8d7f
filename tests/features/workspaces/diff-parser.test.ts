// The pure parsers of git's diff output (src/features/workspaces/diff-parser.ts), on text as git 2.x prints it.
import { describe, expect, it } from 'vitest';
import { addedFileLines, parseDiffHeader, parseGitDiff, parsePorcelainStatus, parseRawNumstat, readGitPath } from '../../../src/features/workspaces/diff-parser.js';

const lines = (...text: string[]) => `${text.join('\n')}\n`;

describe('readGitPath', () => {
  it('decodes C-quoted paths (octal UTF-8 bytes, escapes) and leaves plain ones alone', () => {
    expect(readGitPath('"sp ace \\303\\251.txt"').path).toBe('sp ace é.txt');
    expect(readGitPath('"d/new \\"q\\".txt"').path).toBe('d/new "q".txt');
    expect(readGitPath('"tab\\there\\\\back"').path).toBe('tab\there\\back');
    expect(readGitPath('"\\346\\227\\245\\346\\234\\254.md"').path).toBe('日本.md');
    expect(readGitPath('plain/path.txt').path).toBe('plain/path.txt');
    expect(readGitPath('"a/x" "b/y"')).toEqual({ path: 'a/x', end: 5 });
  });
});

describe('parseDiffHeader', () => {
  it('splits unquoted, quoted and mixed headers, spaces included', () => {
    expect(parseDiffHeader('a/src/app.ts b/src/app.ts')).toEqual({ oldPath: 'src/app.ts', newPath: 'src/app.ts' });
    expect(parseDiffHeader('a/my file b.txt b/my file b.txt')).toEqual({ oldPath: 'my file b.txt', newPath: 'my file b.txt' });
    expect(parseDiffHeader('"a/sp ace \\303\\251.txt" "b/sp ace \\303\\251.txt"')).toEqual({ oldPath: 'sp ace é.txt', newPath: 'sp ace é.txt' });
    expect(parseDiffHeader('a/old.txt b/new.txt')).toEqual({ oldPath: 'old.txt', newPath: 'new.txt' });
    expect(parseDiffHeader('a/plain.txt "b/t\\303\\251.txt"')).toEqual({ oldPath: 'plain.txt', newPath: 'té.txt' });
  });
});

describe('parseGitDiff', () => {
  it('reads a modification: hunks, line numbers on both sides, section names, counts', () => {
    const [file, ...rest] = parseGitDiff(
      lines(
        'diff --git a/src/app.ts b/src/app.ts',
        'index 3b18e51..a4c0f3e 100644',
        '--- a/src/app.ts',
        '+++ b/src/app.ts',
        '@@ -1,4 +1,5 @@ export function main() {',
        ' one',
        '-two',
        '+TWO',
        '+two and a half',
        ' three',
        ' four',
        '@@ -20 +21 @@',
        '-old last',
        '+new last',
      ),
    );
    expect(rest).toEqual([]);
    expect(file).toMatchObject({ path: 'src/app.ts', oldPath: null, status: 'modified', binary: false, additions: 3, deletions: 2, oldMode: '100644', newMode: '100644', truncated: false });
    expect(file!.hunks).toHaveLength(2);
    expect(file!.hunks[0]).toMatchObject({ header: '@@ -1,4 +1,5 @@ export function main() {', oldStart: 1, oldLines: 4, newStart: 1, newLines: 5, section: 'export function main() {' });
    expect(file!.hunks[0]!.lines).toEqual([
      { kind: 'context', text: 'one', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'two', oldLine: 2, newLine: null },
      { kind: 'add', text: 'TWO', oldLine: null, newLine: 2 },
      { kind: 'add', text: 'two and a half', oldLine: null, newLine: 3 },
      { kind: 'context', text: 'three', oldLine: 3, newLine: 4 },
      { kind: 'context', text: 'four', oldLine: 4, newLine: 5 },
    ]);
    // "@@ -20 +21 @@": a count of one is left out.
    expect(file!.hunks[1]).toMatchObject({ oldStart: 20, oldLines: 1, newStart: 21, newLines: 1, section: null });
    expect(file!.hunks[1]!.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ['del', 20, null],
      ['add', null, 21],
    ]);
  });

  it('reads lines that look like headers inside a hunk as content, by the hunk’s counts', () => {
    const [file] = parseGitDiff(
      lines('diff --git a/notes.md b/notes.md', 'index 1..2 100644', '--- a/notes.md', '+++ b/notes.md', '@@ -1,2 +1,2 @@', '--- a/not-a-header', '+++ b/still-content', ' diff --git a/x b/x'),
    );
    expect(file!.hunks[0]!.lines.map((l) => [l.kind, l.text])).toEqual([
      ['del', '-- a/not-a-header'],
      ['add', '++ b/still-content'],
      ['context', 'diff --git a/x b/x'],
    ]);
    expect(file!.path).toBe('notes.md');
  });

  it('marks "\\ No newline at end of file" on the line before it, on either side', () => {
    const [file] = parseGitDiff(
      lines('diff --git a/a.txt b/a.txt', 'index 1..2 100644', '--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,3 @@', ' a', '-b', '\\ No newline at end of file', '+b', '+c', '\\ No newline at end of file'),
    );
    expect(file!.hunks[0]!.lines).toEqual([
      { kind: 'context', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'b', oldLine: 2, newLine: null, noNewlineAtEnd: true },
      { kind: 'add', text: 'b', oldLine: null, newLine: 2 },
      { kind: 'add', text: 'c', oldLine: null, newLine: 3, noNewlineAtEnd: true },
    ]);
  });

  it('reads quoted paths with spaces and unicode, and the tab git puts after them', () => {
    const [file] = parseGitDiff(
      lines(
        'diff --git "a/sp ace \\303\\251.txt" "b/sp ace \\303\\251.txt"',
        'index de98044..36ef1ba 100644',
        '--- "a/sp ace \\303\\251.txt"\t',
        '+++ "b/sp ace \\303\\251.txt"\t',
        '@@ -1 +1 @@',
        '-x',
        '+y',
      ),
    );
    expect(file).toMatchObject({ path: 'sp ace é.txt', oldPath: null, additions: 1, deletions: 1 });
    const [spaced] = parseGitDiff(lines('diff --git a/my file.txt b/my file.txt', 'index 1..2 100644', '--- a/my file.txt\t', '+++ b/my file.txt\t', '@@ -1 +1 @@', '-x', '+y'));
    expect(spaced!.path).toBe('my file.txt');
  });

  it('reads new, deleted, binary, renamed, copied and mode-changed files', () => {
    const files = parseGitDiff(
      lines(
        'diff --git a/b.bin b/b.bin',
        'index 87ae6b6..22f6b3b 100644',
        'Binary files a/b.bin and b/b.bin differ',
        'diff --git a/keep.sh b/keep.sh',
        'old mode 100644',
        'new mode 100755',
        'diff --git a/old.txt b/new.txt',
        'similarity index 100%',
        'rename from old.txt',
        'rename to new.txt',
        'diff --git a/src/a.ts "b/src/\\303\\251.ts"',
        'similarity index 86%',
        'rename from src/a.ts',
        'rename to "src/\\303\\251.ts"',
        'index 1..2 100644',
        '--- a/src/a.ts',
        '+++ "b/src/\\303\\251.ts"',
        '@@ -1 +1 @@',
        '-a',
        '+b',
        'diff --git a/base.txt b/copy.txt',
        'similarity index 95%',
        'copy from base.txt',
        'copy to copy.txt',
        'diff --git a/st.txt b/st.txt',
        'new file mode 100644',
        'index 0000000..19d9cc8',
        '--- /dev/null',
        '+++ b/st.txt',
        '@@ -0,0 +1 @@',
        '+staged',
        'diff --git a/gone.txt b/gone.txt',
        'deleted file mode 100755',
        'index 19d9cc8..0000000',
        '--- a/gone.txt',
        '+++ /dev/null',
        '@@ -1,2 +0,0 @@',
        '-one',
        '-two',
        'diff --git a/empty.txt b/empty.txt',
        'new file mode 100644',
        'index 0000000..e69de29',
        'diff --git a/ub.bin b/ub.bin',
        'new file mode 100644',
        'index 0000000..d5d0b8b',
        'Binary files /dev/null and b/ub.bin differ',
      ),
    );
    expect(files.map((f) => [f.path, f.oldPath, f.status, f.binary, f.similarity])).toEqual([
      ['b.bin', null, 'modified', true, null],
      ['keep.sh', null, 'mode-changed', false, null],
      ['new.txt', 'old.txt', 'renamed', false, 100],
      ['src/é.ts', 'src/a.ts', 'renamed', false, 86],
      ['copy.txt', 'base.txt', 'copied', false, 95],
      ['st.txt', null, 'added', false, null],
      ['gone.txt', null, 'deleted', false, null],
      ['empty.txt', null, 'added', false, null],
      ['ub.bin', null, 'added', true, null],
    ]);
    expect(files[1]).toMatchObject({ oldMode: '100644', newMode: '100755', hunks: [] });
    expect(files[5]!.hunks[0]!.lines).toEqual([{ kind: 'add', text: 'staged', oldLine: null, newLine: 1 }]);
    expect(files[6]).toMatchObject({ oldMode: '100755', deletions: 2, additions: 0 });
    expect(files[6]!.hunks[0]!.lines.map((l) => l.oldLine)).toEqual([1, 2]);
    expect(files[7]).toMatchObject({ additions: 0, deletions: 0, hunks: [] });
  });

  it('keeps at most maxFileLines lines and cuts long lines, while still counting every change', () => {
    const body = Array.from({ length: 10 }, (_, i) => `+line ${i} ${'x'.repeat(i === 0 ? 50 : 1)}`);
    const [file] = parseGitDiff(lines('diff --git a/big.txt b/big.txt', 'new file mode 100644', 'index 0..1', '--- /dev/null', '+++ b/big.txt', '@@ -0,0 +1,10 @@', ...body), { maxFileLines: 4, maxLineChars: 20 });
    expect(file!.additions).toBe(10);
    expect(file!.truncated).toBe(true);
    expect(file!.hunks[0]!.lines).toHaveLength(4);
    expect(file!.hunks[0]!.lines[0]).toMatchObject({ text: 'line 0 xxxxxxxxxxxxx', cut: true });
    expect(file!.hunks[0]!.lines[1]!.cut).toBeUndefined();
  });

  it('answers nothing for empty output', () => {
    expect(parseGitDiff('')).toEqual([]);
  });
});

describe('parseRawNumstat', () => {
  it('joins raw records and numstat counts, renames, binaries and mode changes included', () => {
    const raw = [
      ':100644 100644 87ae6b6 0000000 M', 'b.bin',
      ':100644 100755 587be6b 587be6b M', 'keep.txt',
      ':100644 100644 ce01362 ce01362 R100', 'old.txt', 'new.txt',
      ':100644 100644 de98044 0000000 M', 'sp ace é.txt',
      ':000000 100644 0000000 19d9cc8 A', 'st.txt',
      ':100644 000000 19d9cc8 0000000 D', 'gone.txt',
      ':100644 120000 19d9cc8 0000000 T', 'link',
      ':100755 100644 1 2 M', 'script.sh',
      '-\t-\tb.bin', '0\t0\tkeep.txt', '0\t0\t', 'old.txt', 'new.txt', '2\t2\tsp ace é.txt', '1\t0\tst.txt', '0\t3\tgone.txt', '1\t1\tlink', '4\t1\tscript.sh', '',
    ].join('\0');
    const changes = parseRawNumstat(raw);
    expect(changes.map((c) => [c.path, c.oldPath, c.status, c.letter, c.additions, c.deletions, c.binary])).toEqual([
      ['b.bin', null, 'modified', 'M', null, null, true],
      ['keep.txt', null, 'mode-changed', 'M', 0, 0, false],
      ['new.txt', 'old.txt', 'renamed', 'R', 0, 0, false],
      ['sp ace é.txt', null, 'modified', 'M', 2, 2, false],
      ['st.txt', null, 'added', 'A', 1, 0, false],
      ['gone.txt', null, 'deleted', 'D', 0, 3, false],
      ['link', null, 'type-changed', 'T', 1, 1, false],
      ['script.sh', null, 'modified', 'M', 4, 1, false],
    ]);
    expect(changes[2]!.similarity).toBe(100);
    expect(changes[1]).toMatchObject({ oldMode: '100644', newMode: '100755' });
  });
});

describe('parsePorcelainStatus', () => {
  it('reads index and work-tree letters, renames with their original path, and untracked files', () => {
    const text = [' M b.bin', 'M  keep.txt', 'R  new.txt', 'old.txt', 'A  st.txt', '?? d/new "q".txt', 'UU conflict.txt', ''].join('\0');
    expect(parsePorcelainStatus(text)).toEqual([
      { index: ' ', workTree: 'M', path: 'b.bin', oldPath: null },
      { index: 'M', workTree: ' ', path: 'keep.txt', oldPath: null },
      { index: 'R', workTree: ' ', path: 'new.txt', oldPath: 'old.txt' },
      { index: 'A', workTree: ' ', path: 'st.txt', oldPath: null },
      { index: '?', workTree: '?', path: 'd/new "q".txt', oldPath: null },
      { index: 'U', workTree: 'U', path: 'conflict.txt', oldPath: null },
    ]);
  });
});

describe('addedFileLines', () => {
  it('turns a new file into the one hunk git would print, with the missing final newline marked', () => {
    expect(addedFileLines(Buffer.from('one\ntwo'))).toEqual({
      binary: false,
      additions: 2,
      truncated: false,
      hunks: [
        {
          header: '@@ -0,0 +1,2 @@',
          oldStart: 0,
          oldLines: 0,
          newStart: 1,
          newLines: 2,
          section: null,
          lines: [
            { kind: 'add', text: 'one', oldLine: null, newLine: 1 },
            { kind: 'add', text: 'two', oldLine: null, newLine: 2, noNewlineAtEnd: true },
          ],
        },
      ],
    });
    const single = addedFileLines(Buffer.from('only\n'));
    expect(single).toMatchObject({ additions: 1, hunks: [{ header: '@@ -0,0 +1 @@', lines: [{ text: 'only', newLine: 1 }] }] });
    expect((single as { hunks: { lines: object[] }[] }).hunks[0]!.lines[0]).not.toHaveProperty('noNewlineAtEnd');
  });

  it('says binary for a NUL byte, nothing for an empty file, and keeps within the limits', () => {
    expect(addedFileLines(Buffer.from([0x50, 0x00, 0x01]))).toEqual({ binary: true });
    expect(addedFileLines(Buffer.alloc(0))).toEqual({ binary: false, additions: 0, hunks: [], truncated: false });
    const big = addedFileLines(Buffer.from(`${'y'.repeat(30)}\n`.repeat(10)), { maxFileLines: 3, maxLineChars: 5 });
    expect(big).toMatchObject({ additions: 10, truncated: true });
    expect((big as { hunks: { lines: { text: string; cut?: boolean }[] }[] }).hunks[0]!.lines).toEqual([
      { kind: 'add', text: 'yyyyy', oldLine: null, newLine: 1, cut: true },
      { kind: 'add', text: 'yyyyy', oldLine: null, newLine: 2, cut: true },
      { kind: 'add', text: 'yyyyy', oldLine: null, newLine: 3, cut: true },
    ]);
  });
});
