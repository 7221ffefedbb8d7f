// The diff, proposal and discard of a workspace's changes (src/features/workspaces/review.ts), on real
// repositories cloned from the fake GitHub.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffFile, DiffView, DiscardPreview } from '../../../src/shared/review.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';
import { fakeGitHubEnv } from '../../helpers/github-sign-in.js';
import { ownerApp, useGitHubFixture, waitFor } from './helpers.js';
import { git, newWorkspace, porcelain } from './review-helpers.js';

const github = useGitHubFixture();

const BINARY_V1 = 'PNG\u0000\u0001\u0002first';
const FILES = {
  'src/app.ts': ['export function main() {', '  const timeout = 1000;', '  return run(timeout);', '}', ''].join('\n'),
  'old-name.txt': 'a file that moves\nwith two lines\n',
  'delete-me.txt': 'bye\n',
  'image.bin': BINARY_V1,
  'script.sh': '#!/bin/sh\necho hi\n',
  '.gitignore': 'ignored.log\n',
};

const byPath = (diff: DiffView) => new Map(diff.files.map((f) => [f.path, f]));

describe('GET /api/workspaces/:id/diff', () => {
  it('describes modified, renamed, deleted, binary, mode-changed, staged and untracked files, and never touches the index', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, FILES);
    writeFileSync(path.join(ws.dir, 'src/app.ts'), FILES['src/app.ts'].replace('1000', '5000'));
    await git(['mv', 'old-name.txt', 'new name é.txt'], ws.dir);
    rmSync(path.join(ws.dir, 'delete-me.txt'));
    writeFileSync(path.join(ws.dir, 'image.bin'), 'PNG\u0000\u0001\u0002second');
    chmodSync(path.join(ws.dir, 'script.sh'), 0o755);
    writeFileSync(path.join(ws.dir, 'staged.txt'), 'staged\n');
    await git(['add', 'staged.txt'], ws.dir);
    mkdirSync(path.join(ws.dir, 'docs'));
    writeFileSync(path.join(ws.dir, 'docs', 'todo list.md'), 'one\ntwo');
    writeFileSync(path.join(ws.dir, 'ignored.log'), 'noise\n');
    const index = readFileSync(path.join(ws.dir, '.git', 'index'));

    const response = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` });
    expect(response.statusCode, response.body).toBe(200);
    const diff = response.json().diff as DiffView;
    expect(diff.files.map((f) => f.path)).toEqual(['delete-me.txt', 'docs/todo list.md', 'image.bin', 'new name é.txt', 'script.sh', 'src/app.ts', 'staged.txt']);
    expect(diff).toMatchObject({ base: { ref: null, commit: ws.heads.main }, totals: { files: 7 }, truncated: false, omittedFiles: 0 });
    const files = byPath(diff);

    const app = files.get('src/app.ts')!;
    expect(app).toMatchObject({ status: 'modified', binary: false, additions: 1, deletions: 1, summary: 'File modified', untracked: false, truncated: false });
    expect(app.hunks).toHaveLength(1);
    expect(app.hunks[0]!.lines.filter((l) => l.kind !== 'context')).toEqual([
      { kind: 'del', text: '  const timeout = 1000;', oldLine: 2, newLine: null },
      { kind: 'add', text: '  const timeout = 5000;', oldLine: null, newLine: 2 },
    ]);
    expect(files.get('new name é.txt')).toMatchObject({ status: 'renamed', oldPath: 'old-name.txt', similarity: 100, summary: 'File renamed from old-name.txt (100% similar)', additions: 0, deletions: 0 });
    expect(files.get('delete-me.txt')).toMatchObject({ status: 'deleted', deletions: 1, additions: 0, summary: 'File deleted' });
    expect(files.get('delete-me.txt')!.hunks[0]!.lines).toEqual([{ kind: 'del', text: 'bye', oldLine: 1, newLine: null }]);
    expect(files.get('image.bin')).toMatchObject({ status: 'modified', binary: true, additions: null, deletions: null, hunks: [], summary: 'Binary file modified' });
    expect(files.get('script.sh')).toMatchObject({ status: 'mode-changed', oldMode: '100644', newMode: '100755', hunks: [], summary: 'Mode changed from a regular file to an executable file' });
    expect(files.get('staged.txt')).toMatchObject({ status: 'added', untracked: false, additions: 1, summary: 'File added' });
    const untracked = files.get('docs/todo list.md') as DiffFile;
    expect(untracked).toMatchObject({ status: 'added', untracked: true, additions: 2, deletions: 0, summary: 'File added (not yet known to git)' });
    expect(untracked.hunks[0]!.lines).toEqual([
      { kind: 'add', text: 'one', oldLine: null, newLine: 1 },
      { kind: 'add', text: 'two', oldLine: null, newLine: 2, noNewlineAtEnd: true },
    ]);
    expect(diff.totals).toMatchObject({ additions: 1 + 1 + 2, deletions: 1 + 1 });

    // Reading the diff changed nothing: not the index, not the files.
    expect(readFileSync(path.join(ws.dir, '.git', 'index')).equals(index)).toBe(true);
    expect(await porcelain(ws.dir)).toEqual([' D delete-me.txt', ' M image.bin', ' M script.sh', ' M src/app.ts', '?? "docs/todo list.md"', 'A  staged.txt', 'R  old-name.txt -> "new name \\303\\251.txt"'].sort());
  }, 60_000);

  it('compares with where the branch left a base, committed and uncommitted changes together', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, FILES);
    await git(['switch', '-q', '-c', 'topic'], ws.dir);
    writeFileSync(path.join(ws.dir, 'committed.txt'), 'in a commit\n');
    await git(['add', 'committed.txt'], ws.dir);
    await git(['commit', '-q', '-m', 'Add committed.txt'], ws.dir);
    writeFileSync(path.join(ws.dir, 'README.md'), '# readme\nmore\n');

    const head = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` });
    expect((head.json().diff as DiffView).files.map((f) => f.path)).toEqual(['README.md']);
    const since = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff?base=origin/main` });
    expect(since.statusCode, since.body).toBe(200);
    const diff = since.json().diff as DiffView;
    expect(diff.base).toEqual({ ref: 'origin/main', commit: ws.heads.main });
    expect(diff.files.map((f) => [f.path, f.status])).toEqual([
      ['README.md', 'modified'],
      ['committed.txt', 'added'],
    ]);

    const unknown = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff?base=nope` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'base_not_found' });
    for (const base of ['--output=/tmp/x', 'a..b', 'x y']) {
      const bad = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff?base=${encodeURIComponent(base)}` });
      expect(bad.statusCode, base).toBe(400);
      expect(bad.json().error.details[0].field).toBe('base');
    }
    expect(existsSync('/tmp/x')).toBe(false);
  }, 60_000);

  it('keeps a huge generated file, a long file and a flood of files within the limits, saying so', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, { 'generated.js': 'seed\n' });
    // A tracked file rewritten with 4000 lines, an untracked 2 MiB file, and eight files of 2900 lines each.
    writeFileSync(path.join(ws.dir, 'generated.js'), Array.from({ length: 4000 }, (_, i) => `line ${i}`).join('\n'));
    writeFileSync(path.join(ws.dir, 'bundle.min.js'), 'x'.repeat(2 * 1024 * 1024));
    for (let i = 0; i < 8; i += 1) writeFileSync(path.join(ws.dir, `part-${i}.txt`), Array.from({ length: 2900 }, (_, j) => `${i}:${j}`).join('\n'));
    writeFileSync(path.join(ws.dir, 'wide.txt'), `${'w'.repeat(5000)}\n`);

    const diff = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` })).json().diff as DiffView;
    const files = byPath(diff);
    expect(diff.truncated).toBe(true);
    expect(files.get('generated.js')).toMatchObject({ truncated: true, truncatedReason: 'file-too-large', hunks: [], additions: 4000, deletions: 1 });
    expect(files.get('bundle.min.js')).toMatchObject({ truncated: true, truncatedReason: 'file-too-large', hunks: [], additions: null, untracked: true });
    const parts = [...Array(8).keys()].map((i) => files.get(`part-${i}.txt`)!);
    // 20 000 changed lines in all: six files fit, the seventh and eighth are listed without their lines.
    expect(parts.map((p) => p.truncatedReason)).toEqual([null, null, null, null, null, null, 'diff-too-large', 'diff-too-large']);
    expect(parts[6]).toMatchObject({ additions: 2900, hunks: [] });
    const wide = files.get('wide.txt')!.hunks[0]!.lines[0]!;
    expect(wide.text).toHaveLength(1000);
    expect(wide.cut).toBe(true);
    const shown = diff.files.reduce((sum, f) => sum + f.hunks.reduce((n, h) => n + h.lines.length, 0), 0);
    expect(shown).toBeLessThanOrEqual(20_000);
    expect(JSON.stringify(diff).length).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);

  it('reads, commits and discards on a branch with no commit yet', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    await git(['switch', '-q', '--orphan', 'fresh'], ws.dir);
    writeFileSync(path.join(ws.dir, 'first.txt'), 'one\n');
    writeFileSync(path.join(ws.dir, 'staged.txt'), 'two\n');
    await git(['add', 'staged.txt'], ws.dir);
    const diff = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` })).json().diff as DiffView;
    expect(diff.base.commit).toBeNull();
    expect(diff.files.map((f) => [f.path, f.status, f.untracked, f.additions])).toEqual([
      ['first.txt', 'added', true, 1],
      ['staged.txt', 'added', false, 1],
    ]);
    const preview = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/discard-preview?path=staged.txt` })).json().preview as DiscardPreview;
    expect(preview.entries.map((e) => [e.path, e.action])).toEqual([['staged.txt', 'delete']]);
    const discarded = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/discard`, payload: { confirm: true, paths: ['staged.txt'], token: preview.token } });
    expect(discarded.statusCode, discarded.body).toBe(200);
    expect(await porcelain(ws.dir)).toEqual(['?? first.txt']);
    const committed = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/commit`, payload: { message: 'Start afresh' } });
    expect(committed.statusCode, committed.body).toBe(200);
    expect((await git(['log', '--format=%s'], ws.dir)).trim()).toBe('Start afresh');
  }, 60_000);

  it('shows an untracked symbolic link as the name it points to, never what it points to', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    symlinkSync('/etc/passwd', path.join(ws.dir, 'passwords'));
    execFileSync('mkfifo', [path.join(ws.dir, 'pipe')]);
    const diff = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` })).json().diff as DiffView;
    expect(diff.files.map((f) => f.path)).toEqual(['passwords']);
    expect(diff.files[0]).toMatchObject({ status: 'added', newMode: '120000', untracked: true, additions: 1, summary: 'Symbolic link added (not yet known to git)' });
    expect(diff.files[0]!.hunks[0]!.lines).toEqual([{ kind: 'add', text: '/etc/passwd', oldLine: null, newLine: 1, noNewlineAtEnd: true }]);
  }, 60_000);

  it('lists at most 300 files and counts the others', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    mkdirSync(path.join(ws.dir, 'many'));
    for (let i = 0; i < 310; i += 1) writeFileSync(path.join(ws.dir, 'many', `f${String(i).padStart(3, '0')}.txt`), `${i}\n`);
    const diff = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` })).json().diff as DiffView;
    expect(diff.files).toHaveLength(300);
    expect(diff).toMatchObject({ omittedFiles: 10, truncated: true, totals: { files: 310 } });
  }, 60_000);

  it('answers 401 signed out, 404 for an unknown workspace, 400 for a bad id; serves the screen’s page', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(github.fake));
    const signedOut = await app.inject({ method: 'GET', url: '/api/workspaces/00000000-0000-4000-8000-000000000000/diff' });
    expect(signedOut.statusCode).toBe(401);
    // The screen itself is a page of the web app (src/shared/app-paths.ts), served to a browser as index.html.
    const page = await app.inject({ method: 'GET', url: '/workspaces/00000000-0000-4000-8000-000000000000/review', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const owner = await ownerApp(github.fake);
    expect((await owner.call({ method: 'GET', url: '/api/workspaces/00000000-0000-4000-8000-000000000000/diff' })).statusCode).toBe(404);
    const bad = await owner.call({ method: 'GET', url: '/api/workspaces/nope/diff' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('id');
  }, 60_000);
});

describe('GET /api/workspaces/:id/proposal', () => {
  it('proposes a commit message from the changes and a pull request from the branch and its commits', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, FILES);
    await git(['switch', '-q', '-c', 'feature/faster-start'], ws.dir);
    writeFileSync(path.join(ws.dir, 'src/app.ts'), 'changed\n');
    writeFileSync(path.join(ws.dir, 'extra.txt'), 'new\n');
    const first = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/proposal` })).json().proposal;
    expect(first).toEqual({
      branch: 'feature/faster-start',
      commitMessage: 'Faster start\n\n- Add extra.txt\n- Update src/app.ts',
      pullRequest: { title: 'Faster start', body: '', base: 'main' },
    });
    await git(['add', '-A'], ws.dir);
    await git(['commit', '-q', '-m', 'Start faster', '-m', 'By caching.'], ws.dir);
    const after = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/proposal?base=main` })).json().proposal;
    expect(after).toEqual({ branch: 'feature/faster-start', commitMessage: '', pullRequest: { title: 'Start faster', body: 'By caching.', base: 'main' } });
  }, 60_000);
});

describe('discarding changes', () => {
  it('previews the loss in words, then removes exactly that: ignored files and other workspaces stay', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, FILES);
    writeFileSync(path.join(ws.dir, 'src/app.ts'), 'changed\n');
    rmSync(path.join(ws.dir, 'delete-me.txt'));
    await git(['mv', 'old-name.txt', 'moved.txt'], ws.dir);
    writeFileSync(path.join(ws.dir, 'staged-new.txt'), 'staged\n');
    await git(['add', 'staged-new.txt'], ws.dir);
    writeFileSync(path.join(ws.dir, 'untracked *.txt'), 'scratch\n');
    writeFileSync(path.join(ws.dir, 'ignored.log'), 'keep me\n');
    const response = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/discard-preview` });
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json().preview as DiscardPreview;
    expect(preview.entries.map((e) => [e.path, e.action, e.description])).toEqual([
      ['delete-me.txt', 'restore', 'The deleted file delete-me.txt is restored'],
      ['old-name.txt', 'restore', 'old-name.txt is restored as it was in the last commit'],
      ['moved.txt', 'delete', 'moved.txt (renamed from old-name.txt) is deleted'],
      ['src/app.ts', 'restore', 'Uncommitted changes to src/app.ts (+1 \u22124) are undone'],
      ['staged-new.txt', 'delete', 'The new file staged-new.txt (added to git, never committed) is deleted'],
      ['untracked *.txt', 'delete', 'The untracked file untracked *.txt is deleted'],
    ]);
    expect(preview.summary).toBe('Changes to 2 files are undone and 3 new files are deleted. This cannot be undone.');
    expect(preview.token).toMatch(/^[0-9a-f]{32}$/);

    // Something writes meanwhile: the preview no longer holds, and nothing is discarded.
    writeFileSync(path.join(ws.dir, 'late.txt'), 'late\n');
    const moved = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/discard`, payload: { confirm: true, token: preview.token } });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().error.code).toBe('changes_moved_on');
    expect(existsSync(path.join(ws.dir, 'untracked *.txt'))).toBe(true);
    rmSync(path.join(ws.dir, 'late.txt'));

    const discarded = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/discard`, payload: { confirm: true, token: preview.token } });
    expect(discarded.statusCode, discarded.body).toBe(200);
    expect(discarded.json().discarded).toEqual(preview.entries);
    expect(discarded.json().status).toMatchObject({ changedFiles: 0 });
    expect(await porcelain(ws.dir)).toEqual([]);
    expect(readFileSync(path.join(ws.dir, 'src/app.ts'), 'utf8')).toBe(FILES['src/app.ts']);
    expect(readFileSync(path.join(ws.dir, 'delete-me.txt'), 'utf8')).toBe('bye\n');
    expect(existsSync(path.join(ws.dir, 'old-name.txt'))).toBe(true);
    for (const gone of ['moved.txt', 'staged-new.txt', 'untracked *.txt']) expect(existsSync(path.join(ws.dir, gone)), gone).toBe(false);
    expect(readFileSync(path.join(ws.dir, 'ignored.log'), 'utf8')).toBe('keep me\n');
  }, 60_000);

  it('discards only the paths asked for, and refuses without confirm or for a path without changes', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, FILES);
    writeFileSync(path.join(ws.dir, 'src/app.ts'), 'changed\n');
    writeFileSync(path.join(ws.dir, 'keep.txt'), 'keep\n');
    writeFileSync(path.join(ws.dir, 'drop.txt'), 'drop\n');
    const preview = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/discard-preview?path=drop.txt&path=src%2Fapp.ts` })).json().preview as DiscardPreview;
    expect(preview.entries.map((e) => e.path)).toEqual(['drop.txt', 'src/app.ts']);

    const noConfirm = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/discard`, payload: { paths: ['drop.txt'] } });
    expect(noConfirm.statusCode).toBe(400);
    expect(noConfirm.json().error.details[0].field).toBe('confirm');
    const unchanged = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/discard`, payload: { confirm: true, paths: ['README.md'] } });
    expect(unchanged.statusCode).toBe(400);
    expect(unchanged.json().error).toMatchObject({ code: 'path_not_changed', details: { paths: ['README.md'] } });

    const done = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/discard`, payload: { confirm: true, paths: ['drop.txt', 'src/app.ts'], token: preview.token } });
    expect(done.statusCode, done.body).toBe(200);
    expect(await porcelain(ws.dir)).toEqual(['?? keep.txt']);
  }, 60_000);
});

describe('the operation lock', () => {
  it('refuses commit, discard and a second push while a push runs (409 workspace_busy); the diff still reads', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    await git(['switch', '-q', '-c', 'topic'], ws.dir);
    writeFileSync(path.join(ws.dir, 'a.txt'), 'a\n');
    await git(['add', 'a.txt'], ws.dir);
    await git(['commit', '-q', '-m', 'a'], ws.dir);
    writeFileSync(path.join(ws.dir, 'b.txt'), 'b\n');
    github.fake.setHang({ scopes: ['git'] });
    try {
      const pushing = owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/push` });
      await waitFor(() => github.fake.heldRequests.length > 0, 'the push to reach the fake GitHub');
      for (const [url, payload] of [
        ['commit', { message: 'b' }],
        ['discard', { confirm: true }],
        ['push', undefined],
        ['pull-request', { title: 't', base: 'main' }],
        ['fetch', undefined],
      ] as const) {
        const busy = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/${url}`, payload });
        expect(busy.statusCode, url).toBe(409);
        expect(busy.json().error.code).toBe('workspace_busy');
        expect(busy.json().error.message).toContain('Another git operation (push)');
      }
      expect((await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` })).statusCode).toBe(200);
      github.fake.setHang(null);
      const pushed = await pushing;
      expect(pushed.statusCode, pushed.body).toBe(200);
    } finally {
      github.fake.setHang(null);
    }
    const commit = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/commit`, payload: { message: 'b' } });
    expect(commit.statusCode, commit.body).toBe(200);
  }, 60_000);
});

/** The `nobody` account, as TERMINAL_USER (switching accounts needs root, as in tests/features/terminals/terminal-user.test.ts). */
function nobody(): { uid: number; gid: number } | null {
  const line = (existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '').split('\n').find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
}
const SHELLS = nobody();
const canSwitch = process.getuid?.() === 0 && SHELLS !== null && SHELLS.uid !== 0;

describe.runIf(canSwitch)('with TERMINAL_USER (needs root: skipped otherwise)', () => {
  it('reads untracked files as the shells’ account: what it cannot read is not shown, though the server could', async () => {
    const home = makeTempDir('shellport-review-shells-');
    chownSync(home, SHELLS!.uid, SHELLS!.gid);
    const owner = await ownerApp(github.fake, { TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces') });
    const ws = await newWorkspace(owner, github);
    expect(statSync(ws.dir).uid).toBe(SHELLS!.uid);
    writeFileSync(path.join(ws.dir, 'open.txt'), 'anyone\n', { mode: 0o644 });
    writeFileSync(path.join(ws.dir, 'private.txt'), 'root only\n', { mode: 0o600 });
    const response = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/diff` });
    expect(response.statusCode, response.body).toBe(200);
    const files = byPath(response.json().diff as DiffView);
    expect(files.get('open.txt')).toMatchObject({ status: 'added', untracked: true, additions: 1, truncated: false });
    expect(files.get('open.txt')!.hunks[0]!.lines).toEqual([{ kind: 'add', text: 'anyone', oldLine: null, newLine: 1 }]);
    expect(files.get('private.txt')).toMatchObject({ truncated: true, truncatedReason: 'unreadable', hunks: [], additions: null });
    expect(response.body).not.toContain('root only');
  }, 60_000);
});
