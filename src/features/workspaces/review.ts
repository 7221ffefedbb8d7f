import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../http/errors.js';
import { DIFF_LIMITS, describeFileChange, type DiffFile, type DiffView, type DiscardEntry, type DiscardPreview, type ReviewProposal } from '../../shared/review.js';
import type { GitStatusView } from '../../shared/workspaces.js';
import { addedFileLines, parseGitDiff, parsePorcelainStatus, parseRawNumstat, type ParsedDiffFile, type RawChange, type StatusEntry } from './diff-parser.js';
import { describeGitFailure, type GitRunner } from './git-runner.js';
import type { GitStatusReader } from './git-status.js';
import type { OperationLocks } from './operation-locks.js';
import { proposeCommitMessage, proposePullRequest, type ProposalFile } from './review-proposal.js';
import { targetId, type WorkspaceRecords, type WorkspaceTarget } from './workspace-records.js';

/*
 * Reviewing a workspace's changes (issue 21 §2): the diff as structured files, the proposed texts, and
 * throwing changes away. The diff is read-only (no operation lock, no optional locks, the owner's
 * index never written: untracked files are read as new files, from disk or with `git diff --no-index`);
 * discarding takes the lock like every other git operation.
 *
 * Every `git diff` here pins what a repository's configuration could change: no external diff or
 * textconv program runs (--no-ext-diff --no-textconv), no colour, prefixes a/ and b/, and pathspecs
 * are literal (--literal-pathspecs), so a file named `*` is that file.
 */

export interface WorkspaceReviewDeps {
  git: GitRunner;
  locks: OperationLocks;
  records: WorkspaceRecords;
  statusReader: GitStatusReader;
}

const DIFF_OPTIONS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--ignore-submodules=all', '-M', '-C'];
const READ = { readOnly: true } as const;

type UntrackedContent =
  | { kind: 'skip' }
  | { kind: 'too-large' }
  | { kind: 'unreadable' }
  | { kind: 'file'; mode: string | null; binary: boolean; additions: number; hunks: DiffFile['hunks']; truncated: boolean };

/** A file that differs from HEAD, as `git status` sees it, with what discarding it does. */
interface Change extends StatusEntry {
  untracked: boolean;
  /** Not in HEAD: discarding deletes it (untracked, or added to the index and never committed). */
  newFile: boolean;
}

/** The changes of the working tree and index against HEAD (untracked files one by one; ignored ones never). */
export async function readChanges(git: GitRunner, dir: string): Promise<Change[]> {
  const out = await git.run(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=all'], READ).catch((error: unknown) => {
    throw describeGitFailure(error, 'Reading the changes');
  });
  return parsePorcelainStatus(out)
    .filter((entry) => !entry.path.endsWith('/'))
    .map((entry) => ({ ...entry, untracked: entry.index === '?', newFile: entry.index === '?' || entry.index === 'A' || entry.index === 'R' || entry.index === 'C' }));
}

/** The commit HEAD names, or null on a branch with no commit yet. */
export async function headCommit(git: GitRunner, dir: string): Promise<string | null> {
  const out = await git.run(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], READ).catch(() => '');
  return out.trim() || null;
}

/** The commit `ref` names (a branch, origin/x, a commit id): 404 base_not_found when none. */
async function resolveCommit(git: GitRunner, dir: string, ref: string): Promise<string> {
  const out = await git.run(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], READ).catch(() => '');
  const commit = out.trim();
  if (!commit) throw new AppError(404, 'base_not_found', `Nothing called ${ref} in this workspace to compare with: name a branch, origin/<branch> or a commit.`);
  return commit;
}

/** The empty tree's id in this repository's hash (SHA-1 or SHA-256): what HEAD is before the first commit. */
async function emptyTree(git: GitRunner, dir: string): Promise<string> {
  return (await git.run(dir, ['hash-object', '-t', 'tree', '/dev/null'], READ)).trim();
}

/** Added and removed lines per changed path against HEAD (untracked files excluded). */
async function countLines(git: GitRunner, dir: string, head: string | null): Promise<Map<string, RawChange>> {
  const against = head ?? (await emptyTree(git, dir));
  const out = await git.run(dir, ['--literal-pathspecs', 'diff', ...DIFF_OPTIONS, '--raw', '--numstat', '-z', against], READ).catch(() => '');
  return new Map(parseRawNumstat(out).map((change) => [change.path, change]));
}

export function createWorkspaceReview({ git, locks, records, statusReader }: WorkspaceReviewDeps) {
  const readyDir = (target: WorkspaceTarget) => records.requireReadyTarget(target);

  /** `git diff --no-index /dev/null <file>` for an untracked file: exit status 1 means "they differ". */
  async function untrackedPatch(dir: string, file: string): Promise<ParsedDiffFile | null> {
    const out = await git.run(dir, ['diff', '--no-index', ...DIFF_OPTIONS, `-U${DIFF_LIMITS.contextLines}`, '--', '/dev/null', file], READ).catch((error: unknown) => {
      throw describeGitFailure(error, `Reading ${file}`);
    });
    return parseGitDiff(out, { maxFileLines: DIFF_LIMITS.maxFileLines, maxLineChars: DIFF_LIMITS.maxLineChars })[0] ?? null;
  }

  /**
   * An untracked file's content as a patch. Read from disk when git runs as the server's own account
   * (the same rights): a symbolic link as its target's name, never followed; anything but a regular
   * file (a FIFO, a device) not opened. Otherwise (TERMINAL_USER), or when that fails, through
   * `git diff --no-index`, which runs as the shells' account and reads what a terminal could.
   */
  async function untrackedContent(dir: string, file: string): Promise<UntrackedContent> {
    const full = path.join(dir, file);
    const info = await lstat(full).catch(() => null);
    if (info?.isDirectory()) return { kind: 'skip' };
    if (info && info.size > DIFF_LIMITS.maxUntrackedBytes) return { kind: 'too-large' };
    const limits = { maxFileLines: DIFF_LIMITS.maxFileLines, maxLineChars: DIFF_LIMITS.maxLineChars };
    if (info && !(await isInside(dir, path.dirname(full)))) return { kind: 'skip' };
    if (info && !git.runsAsOtherUser && (info.isFile() || info.isSymbolicLink())) {
      const link = info.isSymbolicLink();
      const content = link ? await readlink(full).then((target) => Buffer.from(target), () => null) : await readRegularFile(full, DIFF_LIMITS.maxUntrackedBytes);
      if (content === 'too-large') return { kind: 'too-large' };
      if (content) {
        const lines = addedFileLines(content, limits);
        const mode = link ? '120000' : info.mode & 0o111 ? '100755' : '100644';
        return lines.binary ? { kind: 'file', mode, binary: true, additions: 0, hunks: [], truncated: false } : { kind: 'file', mode, ...lines };
      }
    }
    if (info && !info.isFile() && !info.isSymbolicLink()) return { kind: 'skip' };
    const parsed = await untrackedPatch(dir, file).catch(() => 'unreadable' as const);
    if (parsed === 'unreadable') return { kind: 'unreadable' };
    if (!parsed) return { kind: 'file', mode: null, binary: false, additions: 0, hunks: [], truncated: false };
    return { kind: 'file', mode: parsed.newMode, binary: parsed.binary, additions: parsed.additions, hunks: parsed.hunks, truncated: parsed.truncated };
  }

  /**
   * The working tree (staged, unstaged and untracked changes) against HEAD, or against where the
   * current branch left `base` (`git merge-base base HEAD`): structured files, within DIFF_LIMITS.
   */
  async function diff(id: WorkspaceTarget, { base }: { base?: string } = {}): Promise<DiffView> {
    const { dir } = await readyDir(id);
    const head = await headCommit(git, dir);
    let against: string | null = head;
    if (base) {
      const baseCommit = await resolveCommit(git, dir, base);
      against = head ? (await git.run(dir, ['merge-base', baseCommit, head], READ).catch(() => baseCommit)).trim() : baseCommit;
    }
    const from = against ?? (await emptyTree(git, dir));
    const [rawOut, untrackedOut] = await Promise.all([
      git.run(dir, ['--literal-pathspecs', 'diff', ...DIFF_OPTIONS, '--raw', '--numstat', '-z', from], READ),
      git.run(dir, ['ls-files', '--others', '--exclude-standard', '-z'], READ),
    ]).catch((error: unknown) => {
      throw describeGitFailure(error, 'Reading the changes');
    });
    const tracked = parseRawNumstat(rawOut);
    const trackedPaths = new Set(tracked.map((c) => c.path));
    const untracked = untrackedOut
      .split('\0')
      .filter((p) => p && !p.endsWith('/') && !trackedPaths.has(p));

    type Entry = { path: string; raw: RawChange | null };
    const all: Entry[] = [...tracked.map((raw) => ({ path: raw.path, raw })), ...untracked.map((p) => ({ path: p, raw: null }))].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const listed = all.slice(0, DIFF_LIMITS.maxFiles);
    const omittedFiles = all.length - listed.length;

    // Which tracked files get their lines: small enough, while the budget of changed lines lasts.
    let budget: number = DIFF_LIMITS.maxTotalLines;
    const toLoad: RawChange[] = [];
    const reasons = new Map<string, DiffFile['truncatedReason']>();
    for (const { raw } of listed) {
      if (!raw || raw.binary) continue;
      const changed = (raw.additions ?? 0) + (raw.deletions ?? 0);
      if (changed === 0) continue;
      if (changed > DIFF_LIMITS.maxFileChangedLines) reasons.set(raw.path, 'file-too-large');
      else if (changed > budget) reasons.set(raw.path, 'diff-too-large');
      else {
        budget -= changed;
        toLoad.push(raw);
      }
    }
    const patches = new Map<string, ParsedDiffFile[]>();
    if (toLoad.length > 0) {
      const paths = toLoad.flatMap((raw) => (raw.oldPath ? [raw.oldPath, raw.path] : [raw.path]));
      const out = await git.run(dir, ['--literal-pathspecs', 'diff', ...DIFF_OPTIONS, `-U${DIFF_LIMITS.contextLines}`, from, '--', ...paths], READ).catch((error: unknown) => {
        throw describeGitFailure(error, 'Reading the changes');
      });
      // A type change (a file became a symbolic link) is two patches of one path.
      for (const parsed of parseGitDiff(out, { maxFileLines: DIFF_LIMITS.maxFileLines, maxLineChars: DIFF_LIMITS.maxLineChars })) {
        patches.set(parsed.path, [...(patches.get(parsed.path) ?? []), parsed]);
      }
    }

    const files: DiffFile[] = [];
    for (const { path: file, raw } of listed) {
      if (raw) {
        const parsed = patches.get(raw.path) ?? [];
        const reason = reasons.get(raw.path) ?? (parsed.some((p) => p.truncated) ? 'too-many-lines' : null);
        files.push(
          withSummary({
            path: raw.path,
            oldPath: raw.oldPath,
            status: raw.status,
            binary: raw.binary || parsed.some((p) => p.binary),
            similarity: raw.similarity,
            oldMode: realMode(raw.oldMode),
            newMode: realMode(raw.newMode),
            untracked: false,
            additions: raw.additions,
            deletions: raw.deletions,
            hunks: parsed.flatMap((p) => p.hunks),
            truncated: reason !== null,
            truncatedReason: reason,
          }),
        );
        continue;
      }
      const entry = await untrackedFile(dir, file, () => budget, (used) => (budget -= used));
      if (entry) files.push(entry);
    }
    const totals = files.reduce((sum, f) => ({ files: sum.files, additions: sum.additions + (f.additions ?? 0), deletions: sum.deletions + (f.deletions ?? 0) }), {
      files: all.length,
      additions: 0,
      deletions: 0,
    });
    return {
      base: { ref: base ?? null, commit: against },
      files,
      totals,
      truncated: omittedFiles > 0 || files.some((f) => f.truncated),
      omittedFiles,
    };
  }

  async function untrackedFile(dir: string, file: string, budgetLeft: () => number, spend: (lines: number) => void): Promise<DiffFile | null> {
    const stub = (reason: DiffFile['truncatedReason'], counts: { additions: number | null; binary: boolean; mode: string | null } = { additions: null, binary: false, mode: null }): DiffFile =>
      withSummary({ path: file, oldPath: null, status: 'added', binary: counts.binary, similarity: null, oldMode: null, newMode: counts.mode, untracked: true, additions: counts.binary ? null : counts.additions, deletions: counts.binary ? null : 0, hunks: [], truncated: reason !== null, truncatedReason: reason });
    if (budgetLeft() <= 0) return stub('diff-too-large');
    const content = await untrackedContent(dir, file);
    if (content.kind === 'skip') return null;
    if (content.kind === 'too-large') return stub('file-too-large');
    if (content.kind === 'unreadable') return stub('unreadable');
    const counts = { additions: content.additions, binary: content.binary, mode: content.mode };
    if (content.additions > DIFF_LIMITS.maxFileChangedLines) return stub('file-too-large', counts);
    if (content.additions > budgetLeft()) return stub('diff-too-large', counts);
    spend(content.additions);
    return { ...stub(content.truncated ? 'too-many-lines' : null, counts), hunks: content.hunks };
  }

  /** The proposed commit message (from the uncommitted changes) and pull request (from the branch's commits since `base`). */
  async function proposal(id: WorkspaceTarget, { base }: { base?: string } = {}): Promise<ReviewProposal> {
    const { workspace, dir } = await readyDir(id);
    const status = await statusReader.readStatus(dir);
    const changes = await readChanges(git, dir);
    const counts = await countLines(git, dir, await headCommit(git, dir));
    const files: ProposalFile[] = changes.map((change) => ({
      path: change.path,
      oldPath: change.oldPath,
      status: change.untracked ? 'added' : (counts.get(change.path)?.status ?? statusOfEntry(change)),
    }));
    const prBase = base ?? workspace.defaultBranch ?? 'main';
    const commits = await branchCommits(dir, prBase);
    return {
      branch: status.branch,
      commitMessage: proposeCommitMessage(files, status.branch, workspace.defaultBranch),
      pullRequest: { ...proposePullRequest(status.branch, commits), base: prBase },
    };
  }

  /** The commits on HEAD that origin/<base> (else <base>) does not have, newest first, at most 50. */
  async function branchCommits(dir: string, base: string): Promise<{ subject: string; body: string }[]> {
    let baseCommit: string | null = null;
    for (const ref of [`refs/remotes/origin/${base}`, `refs/heads/${base}`]) {
      baseCommit = (await git.run(dir, ['rev-parse', '--verify', '--quiet', ref], READ).catch(() => '')).trim() || null;
      if (baseCommit) break;
    }
    if (!baseCommit || !(await headCommit(git, dir))) return [];
    const out = await git.run(dir, ['log', '--max-count=50', '--format=%s%x00%b%x00', `${baseCommit}..HEAD`], READ).catch(() => '');
    const parts = out.split('\0');
    const commits: { subject: string; body: string }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) commits.push({ subject: parts[i]!.replace(/^\n/, ''), body: parts[i + 1]! });
    return commits;
  }

  /** What discarding would throw away, in words, and the token that pins it. */
  async function preview(dir: string, paths?: string[]): Promise<{ preview: DiscardPreview; selected: Change[] }> {
    const changes = await readChanges(git, dir);
    const selected = selectChanges(changes, paths).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const counts = await countLines(git, dir, await headCommit(git, dir));
    const entries: DiscardEntry[] = [];
    for (const change of selected) {
      if (change.oldPath) entries.push({ path: change.oldPath, action: 'restore', description: `${change.oldPath} is restored as it was in the last commit` });
      entries.push({ path: change.path, action: change.newFile ? 'delete' : 'restore', description: describeLoss(change, counts.get(change.path)) });
    }
    const fingerprint = selected.map((c) => [c.index, c.workTree, c.path, c.oldPath, counts.get(c.path)?.additions ?? null, counts.get(c.path)?.deletions ?? null]);
    const token = createHash('sha256').update(JSON.stringify(fingerprint)).digest('hex').slice(0, 32);
    return { preview: { entries, summary: summarizeLoss(selected), token }, selected };
  }

  async function discardPreview(id: WorkspaceTarget, { paths }: { paths?: string[] } = {}): Promise<DiscardPreview> {
    const { dir } = await readyDir(id);
    return (await preview(dir, paths)).preview;
  }

  /**
   * Throws away uncommitted changes (all, or those of `paths`): tracked files go back to HEAD (index and
   * work tree), files not in HEAD are deleted. With `token` (from the preview) it refuses when the
   * changes are no longer what the preview listed.
   */
  async function discard(id: WorkspaceTarget, { paths, token }: { paths?: string[]; token?: string }): Promise<{ discarded: DiscardEntry[]; status: GitStatusView }> {
    const release = locks.acquire(targetId(id), 'discard changes');
    try {
      const { dir } = await readyDir(id);
      const { preview: current, selected } = await preview(dir, paths);
      if (token !== undefined && token !== current.token) {
        throw new AppError(409, 'changes_moved_on', 'The changes are no longer what you were shown (something wrote to the workspace meanwhile): review them again, then discard.');
      }
      if (selected.length === 0) throw new AppError(409, 'nothing_to_discard', 'There are no uncommitted changes to discard.');
      const head = await headCommit(git, dir);
      const inIndex = selected.filter((c) => !c.untracked).flatMap((c) => (c.oldPath ? [c.oldPath, c.path] : [c.path]));
      const restore = selected.filter((c) => !c.newFile).map((c) => c.path).concat(selected.flatMap((c) => (c.oldPath ? [c.oldPath] : [])));
      const remove = selected.filter((c) => c.newFile).map((c) => c.path);
      const run = (args: string[]) =>
        git.run(dir, ['--literal-pathspecs', ...args]).catch((error: unknown) => {
          throw describeGitFailure(error, 'Discarding the changes');
        });
      if (inIndex.length > 0) {
        // Unstage: the index entries go back to HEAD's (or away, before the first commit).
        if (head) await run(['reset', '--quiet', head, '--', ...inIndex]);
        else await run(['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', ...inIndex]);
      }
      if (restore.length > 0 && head) await run(['checkout', '--quiet', head, '--', ...restore]);
      // -x: a file added with `git add -f` despite .gitignore is just as new; the pathspecs are exact files.
      if (remove.length > 0) await run(['clean', '--force', '-x', '--quiet', '--', ...remove]);
      await records.touch(targetId(id));
      return { discarded: current.entries, status: await statusReader.readStatus(dir) };
    } finally {
      release();
    }
  }

  return { diff, proposal, discardPreview, discard };
}

export type WorkspaceReview = ReturnType<typeof createWorkspaceReview>;

/** The changes to act on: all, or those `paths` name (a rename by either of its paths); 400 for a path without changes. */
export function selectChanges<T extends { path: string; oldPath: string | null }>(changes: T[], paths: string[] | undefined): T[] {
  if (!paths) return changes;
  const wanted = new Set(paths);
  const unknown = paths.filter((p) => !changes.some((c) => c.path === p || c.oldPath === p));
  if (unknown.length > 0) {
    throw new AppError(400, 'path_not_changed', `${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''} ${unknown.length === 1 ? 'has' : 'have'} no uncommitted changes.`, { paths: unknown });
  }
  return changes.filter((c) => wanted.has(c.path) || (c.oldPath !== null && wanted.has(c.oldPath)));
}

function statusOfEntry(change: StatusEntry): ProposalFile['status'] {
  const letters = `${change.index}${change.workTree}`;
  if (letters.includes('D')) return 'deleted';
  if (change.index === 'A') return 'added';
  if (change.index === 'R') return 'renamed';
  return 'modified';
}

const realMode = (mode: string) => (mode && !/^0+$/.test(mode) ? mode : null);

function withSummary(file: Omit<DiffFile, 'summary'>): DiffFile {
  return { ...file, summary: describeFileChange(file) };
}

function describeLoss(change: Change, counts: RawChange | undefined): string {
  if (change.untracked) return `The untracked file ${change.path} is deleted`;
  if (change.oldPath) return `${change.path} (renamed from ${change.oldPath}) is deleted`;
  if (change.newFile) return `The new file ${change.path} (added to git, never committed) is deleted`;
  if (`${change.index}${change.workTree}`.includes('D')) return `The deleted file ${change.path} is restored`;
  const lines = counts && counts.additions !== null ? ` (+${counts.additions} \u2212${counts.deletions ?? 0})` : counts?.binary ? ' (binary)' : '';
  return `Uncommitted changes to ${change.path}${lines} are undone`;
}

/** "Changes to 2 files are undone and 1 untracked file is deleted." */
function summarizeLoss(changes: Change[]): string {
  if (changes.length === 0) return 'There are no uncommitted changes to discard.';
  const restored = changes.filter((c) => !c.newFile).length;
  const deleted = changes.filter((c) => c.newFile).length;
  const files = (n: number, what = 'file') => `${n} ${what}${n === 1 ? '' : 's'}`;
  const parts = [restored > 0 ? `changes to ${files(restored)} are undone` : null, deleted > 0 ? `${files(deleted, 'new file')} ${deleted === 1 ? 'is' : 'are'} deleted` : null].filter(Boolean);
  const sentence = parts.join(' and ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}. This cannot be undone.`;
}

/**
 * A regular file's bytes, at most `maxBytes` ('too-large' beyond): opened without following a link and
 * without blocking, and checked to be a regular file once open (it may have been swapped meanwhile).
 * Null when it cannot be read so.
 */
async function readRegularFile(file: string, maxBytes: number): Promise<Buffer | 'too-large' | null> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY).catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    if (info.size > maxBytes) return 'too-large';
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = info.size > 0 ? await handle.read(buffer, 0, info.size, 0) : { bytesRead: 0 };
    return buffer.subarray(0, bytesRead);
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** `inner` is `dir` or below it once links are resolved (a directory swapped for a link is not followed out). */
async function isInside(dir: string, inner: string): Promise<boolean> {
  const [realDir, realInner] = await Promise.all([realpath(dir), realpath(inner)]).catch(() => [null, null]);
  return realDir !== null && realInner !== null && (realInner === realDir || realInner.startsWith(`${realDir}${path.sep}`));
}
