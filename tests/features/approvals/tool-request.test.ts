// What an agent asks, for the owner: the summary line, and the diff of an edit (src/features/approvals/tool-request.ts,
// scripts/shellport/unified-diff.mjs). The file is read through the function passed in, here from memory.
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from '../../../scripts/shellport/unified-diff.mjs';
import { describeFileChange, MAX_DIFF_CHARS, requestKey, summarizeToolRequest } from '../../../src/features/approvals/tool-request.js';
import { describeBrowser, redactForLog } from '../../../src/features/approvals/service.js';

const files = (entries: Record<string, string>) => async (file: string) => (file in entries ? { data: Buffer.from(entries[file]!), size: Buffer.byteLength(entries[file]!) } : null);

describe('summaries', () => {
  it('say what, in one line', () => {
    expect(summarizeToolRequest('Bash', { command: 'npm test\n  && npm run lint' })).toBe('npm test && npm run lint');
    expect(summarizeToolRequest('Edit', { file_path: '/w/a.ts', old_string: 'x', new_string: 'y' })).toBe('/w/a.ts');
    expect(summarizeToolRequest('Write', { file_path: 'b.ts', content: '' })).toBe('b.ts');
    expect(summarizeToolRequest('MultiEdit', { file_path: '/w/c.ts', edits: [] })).toBe('/w/c.ts');
    expect(summarizeToolRequest('WebFetch', { url: 'https://example.com/x', prompt: 'read' })).toBe('https://example.com/x');
    expect(summarizeToolRequest('mcp__db__query', { sql: 'select 1' })).toBe('{"sql":"select 1"}');
    expect(summarizeToolRequest('Bash', {})).toBe('Bash');
    expect(summarizeToolRequest('Bash', { command: 'x'.repeat(1000) })).toHaveLength(300);
    // The key (for "allow for this session") is the whole command, not the shortened line.
    expect(requestKey('Bash', { command: `${'x'.repeat(400)}a` })).not.toBe(requestKey('Bash', { command: `${'x'.repeat(400)}b` }));
  });

  it('keep credentials out of the auth log, and name browsers plainly', () => {
    expect(redactForLog('curl -H "Authorization: Bearer abcdef123456789" https://x')).not.toContain('abcdef123456789');
    expect(redactForLog('git push https://me:ghp_aaaaaaaaaaaaaaaaaaaaaaaa@github.com/x.git')).not.toContain('ghp_a');
    expect(redactForLog('deploy --token s3cr3tvalue')).toBe('deploy --token [redacted]');
    expect(redactForLog('PASSWORD=hunter2 ./run')).toBe('PASSWORD=[redacted] ./run');
    expect(describeBrowser('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36')).toBe('Chrome on Android');
    expect(describeBrowser('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1')).toBe('Safari on iOS');
    expect(describeBrowser(null)).toBe('an unknown device');
  });
});

describe('diffs of edits', () => {
  it('show an Edit against the file on disk, with context', async () => {
    const read = files({ '/w/a.txt': 'one\ntwo\nthree\n' });
    expect(await describeFileChange('Edit', { file_path: '/w/a.txt', old_string: 'two', new_string: 'TWO' }, null, read)).toBe('--- a/w/a.txt\n+++ b/w/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n');
    // replace_all, and a relative path resolved in the agent's directory.
    const many = files({ '/w/b.txt': 'x\ny\nx\n' });
    expect(await describeFileChange('Edit', { file_path: 'b.txt', old_string: 'x', new_string: 'z', replace_all: true }, '/w', many)).toBe('--- a/b.txt\n+++ b/b.txt\n@@ -1,3 +1,3 @@\n-x\n+z\n y\n-x\n+z\n');
    // Text that is not in the file (or no file): the edit's own words.
    expect(await describeFileChange('Edit', { file_path: '/w/none.txt', old_string: 'a', new_string: 'b' }, null, read)).toBe('--- a/w/none.txt\n+++ b/w/none.txt\n@@ -1,1 +1,1 @@\n-a\n+b\n');
  });

  it('show MultiEdit edits applied in order, and a Write against what is there', async () => {
    const read = files({ '/w/c.txt': 'a\nb\n' });
    expect(await describeFileChange('MultiEdit', { file_path: '/w/c.txt', edits: [{ old_string: 'a', new_string: 'A' }, { old_string: 'A\nb', new_string: 'A\nB' }] }, null, read)).toBe(
      '--- a/w/c.txt\n+++ b/w/c.txt\n@@ -1,2 +1,2 @@\n-a\n-b\n+A\n+B\n',
    );
    expect(await describeFileChange('Write', { file_path: '/w/c.txt', content: 'a\nb\nc\n' }, null, read)).toBe('--- a/w/c.txt\n+++ b/w/c.txt\n@@ -1,2 +1,3 @@\n a\n b\n+c\n');
    expect(await describeFileChange('Write', { file_path: '/w/new.txt', content: 'hi\n' }, null, read)).toBe('--- /dev/null\n+++ b/w/new.txt\n@@ -0,0 +1,1 @@\n+hi\n');
    expect(await describeFileChange('Bash', { command: 'ls' }, null, read)).toBeNull();
  });

  it('are cut when long, and big files are not compared', async () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
    const diff = (await describeFileChange('Write', { file_path: '/w/big.txt', content: big }, null, files({})))!;
    expect(diff.length).toBeLessThanOrEqual(MAX_DIFF_CHARS);
    expect(diff).toMatch(/… \(the diff goes on: \d+ KiB in all\)\n$/);
    const huge = async () => ({ data: Buffer.alloc(10), size: 5 * 1024 * 1024 });
    expect(await describeFileChange('Write', { file_path: '/w/huge.bin', content: 'x' }, null, huge)).toBe('(/w/huge.bin is 5242880 bytes, too large to compare: it would be replaced by 1 bytes)\n');
  });
});

describe('unified diff', () => {
  it('matches diff -u on small cases', () => {
    expect(unifiedDiff('a\n', 'a\n')).toBe('');
    expect(unifiedDiff('a\nb', 'a\nb\n', { from: 'x', to: 'y' })).toBe('--- x\n+++ y\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
    expect(unifiedDiff('x\ny\n', '', { from: 'x', to: 'y' })).toBe('--- x\n+++ y\n@@ -1,2 +0,0 @@\n-x\n-y\n');
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const changed = lines.map((line, i) => (i === 3 || i === 25 ? line.toUpperCase() : line));
    const diff = unifiedDiff(`${lines.join('\n')}\n`, `${changed.join('\n')}\n`, { from: 'a', to: 'b' });
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,7 +1,7 @@', '@@ -23,7 +23,7 @@']);
  });

  it('finds the longest common lines, and falls back to remove-then-add when the middle is too big', () => {
    expect(diffLines(['a', 'b', 'c'], ['b', 'c', 'd']).map((op) => `${op.op}${op.line}`)).toEqual(['-a', ' b', ' c', '+d']);
    expect(diffLines(['a', 'x', 'b'], ['a', 'y', 'b'], 1).map((op) => `${op.op}${op.line}`)).toEqual([' a', '-x', '+y', ' b']);
  });
});
