// The shapes of the review-and-ship API (docs/api.md, "Review and ship"; issue 21 §2), shared by the
// server and the web app, and the words both use for a file's change. Imports nothing.

/** How a file changed, as git says it (binary is a flag beside it: a binary file is added, modified…). */
export type FileChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'mode-changed' | 'type-changed';

export type DiffLineKind = 'context' | 'add' | 'del';

export interface DiffLine {
  kind: DiffLineKind;
  /** The line without its sign and line ending; cut at MAX_LINE_CHARS (then `cut` is true). */
  text: string;
  /** Its number in the old file (null for an added line) and in the new one (null for a removed line). */
  oldLine: number | null;
  newLine: number | null;
  /** git's "\ No newline at end of file" followed this line. */
  noNewlineAtEnd?: true;
  cut?: true;
}

export interface DiffHunk {
  /** git's own header: "@@ -12,7 +12,8 @@ function name". */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The function or section git names after the second @@, if any. */
  section: string | null;
  lines: DiffLine[];
}

/** Why a file's lines are not all there. */
export type TruncationReason = 'file-too-large' | 'too-many-lines' | 'diff-too-large' | 'unreadable';

export interface DiffFile {
  /** The path now (for a deleted file, the path it had). */
  path: string;
  /** The path before a rename or copy; null otherwise. */
  oldPath: string | null;
  status: FileChangeStatus;
  binary: boolean;
  /** Rename or copy similarity in percent. */
  similarity: number | null;
  /** File modes ("100644", "100755", "120000" for a symbolic link), when git names them. */
  oldMode: string | null;
  newMode: string | null;
  /** Not yet known to git (untracked): shown as added. */
  untracked: boolean;
  /** Lines added and removed; null when the file was too large to count (or is binary). */
  additions: number | null;
  deletions: number | null;
  /** The change in words: "Renamed from src/a.ts (92% similar)", "Binary file added". */
  summary: string;
  hunks: DiffHunk[];
  truncated: boolean;
  truncatedReason: TruncationReason | null;
}

/** GET /api/workspaces/:id/diff. */
export interface DiffView {
  /** What the working tree is compared with: HEAD (`ref: null`), or where the branch left `ref`. */
  base: { ref: string | null; commit: string | null };
  files: DiffFile[];
  totals: { files: number; additions: number; deletions: number };
  /** Some files are cut short or left out (see each file's `truncated`, and `omittedFiles`). */
  truncated: boolean;
  /** Changed files not listed at all (beyond MAX_DIFF_FILES). */
  omittedFiles: number;
}

/** What a diff may hold, so that a huge generated file cannot swamp a phone (the server applies them). */
export const DIFF_LIMITS = {
  /** Files listed; more are counted in `omittedFiles`. */
  maxFiles: 300,
  /** A file with more added plus removed lines than this is listed without its lines. */
  maxFileChangedLines: 3000,
  /** Lines (context included) shown of one file. */
  maxFileLines: 5000,
  /** Lines shown over all files; later files are listed without their lines. */
  maxTotalLines: 20_000,
  /** Characters kept of one line. */
  maxLineChars: 1000,
  /** An untracked file larger than this is listed without its lines. */
  maxUntrackedBytes: 1024 * 1024,
  /** Unchanged lines git gives around each change (the browser folds the middle of long runs). */
  contextLines: 10,
} as const;

/** GET /api/workspaces/:id/proposal: deterministic suggestions from the branch name, the changed files and the commits. */
export interface ReviewProposal {
  branch: string | null;
  commitMessage: string;
  pullRequest: { title: string; body: string; base: string };
}

export interface CommitAuthor {
  name: string;
  email: string;
}

/** POST /api/workspaces/:id/commit. */
export interface CommitResult {
  commit: { sha: string; subject: string; author: CommitAuthor; files: number };
}

/** POST /api/workspaces/:id/push. */
export interface PushResult {
  pushed: { branch: string; upstream: string; commits: number; createdBranch: boolean };
}

export interface PullRequestView {
  number: number;
  /** The pull request's page on GitHub (html_url). */
  url: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  base: string;
  head: string;
  author: string | null;
  createdAt: string;
}

/** One file `POST …/discard` would reset or delete, and what is lost, in words. */
export interface DiscardEntry {
  path: string;
  /** What happens to it: tracked changes are undone (from HEAD), files git does not know are deleted. */
  action: 'restore' | 'delete';
  /** "Uncommitted changes to src/a.ts (+3 −1) are undone", "The untracked file notes.txt is deleted". */
  description: string;
}

/** GET /api/workspaces/:id/discard-preview. */
export interface DiscardPreview {
  entries: DiscardEntry[];
  /** The whole loss in one sentence, for a confirmation. */
  summary: string;
  /** Send it back with the discard: if the changes moved on since (an agent kept writing), the discard is refused. */
  token: string;
}

const MODE_WORDS: Record<string, string> = {
  '100644': 'a regular file',
  '100755': 'an executable file',
  '120000': 'a symbolic link',
  '160000': 'a submodule',
};

const modeWords = (mode: string | null) => (mode ? (MODE_WORDS[mode] ?? `mode ${mode}`) : 'unknown');

/** A file's change in words, for the file list and screen readers. */
export function describeFileChange(file: Pick<DiffFile, 'status' | 'binary' | 'oldPath' | 'similarity' | 'oldMode' | 'newMode' | 'untracked'>): string {
  const kind = file.binary ? 'Binary file' : file.newMode === '120000' || (file.status === 'deleted' && file.oldMode === '120000') ? 'Symbolic link' : 'File';
  const similar = file.similarity !== null ? ` (${file.similarity}% similar)` : '';
  const modeChange = file.oldMode && file.newMode && file.oldMode !== file.newMode && file.status !== 'added' && file.status !== 'deleted' ? `; now ${modeWords(file.newMode)}` : '';
  switch (file.status) {
    case 'added':
      return file.untracked ? `${kind} added (not yet known to git)` : `${kind} added`;
    case 'deleted':
      return `${kind} deleted`;
    case 'renamed':
      return `${kind} renamed from ${file.oldPath ?? '?'}${similar}${modeChange}`;
    case 'copied':
      return `${kind} copied from ${file.oldPath ?? '?'}${similar}${modeChange}`;
    case 'mode-changed':
      return `Mode changed from ${modeWords(file.oldMode)} to ${modeWords(file.newMode)}`;
    case 'type-changed':
      return `Changed from ${modeWords(file.oldMode)} to ${modeWords(file.newMode)}`;
    default:
      return `${kind} modified${modeChange}`;
  }
}

/** "+3 −1" (a true minus sign), or "binary" / "not counted". */
export function describeCounts(file: Pick<DiffFile, 'additions' | 'deletions' | 'binary'>): string {
  if (file.binary) return 'binary';
  if (file.additions === null || file.deletions === null) return 'not counted';
  return `+${file.additions} \u2212${file.deletions}`;
}

/** Why a file's lines are missing, in words. */
export const TRUNCATION_TEXT: Record<TruncationReason, string> = {
  'file-too-large': 'This file changed too much to show here; look at it in a terminal.',
  'too-many-lines': 'Only the first part of this file’s changes is shown.',
  'diff-too-large': 'Not shown: the other files already fill what a review shows at once.',
  unreadable: 'Not shown: the workspace’s account cannot read this file.',
};
