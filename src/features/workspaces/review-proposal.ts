import type { FileChangeStatus } from '../../shared/review.js';

/*
 * Suggested commit messages and pull request texts (issue 21 §2): plain, deterministic rules on the
 * branch name, the changed files and the branch's commits, so the owner edits rather than writes.
 * An agent's own proposal comes with agent runs later.
 */

export interface ProposalFile {
  path: string;
  oldPath: string | null;
  status: FileChangeStatus;
}

const TYPE_PREFIXES = new Set(['feature', 'feat', 'fix', 'bugfix', 'hotfix', 'chore', 'docs', 'doc', 'refactor', 'test', 'tests', 'build', 'ci', 'perf', 'style', 'topic', 'wip']);
const FIX_PREFIXES = new Set(['fix', 'bugfix', 'hotfix']);
const LIST_AT_MOST = 20;

/** A branch name as a sentence: "feature/add-dark-mode" → "Add dark mode", "fix/login-timeout" → "Fix login timeout". Null when nothing is left. */
export function describeBranch(branch: string): string | null {
  const parts = branch.split('/').filter(Boolean);
  const last = parts.at(-1) ?? '';
  const type = parts.length > 1 ? parts[0]!.toLowerCase() : null;
  const words = last.split(/[-_.\s]+/).filter(Boolean);
  // "fix-login" on its own: the first word is the type.
  if (!type && words.length > 1 && FIX_PREFIXES.has(words[0]!.toLowerCase())) words[0] = 'fix';
  if (words.length === 0) return null;
  if (type && FIX_PREFIXES.has(type) && words[0]!.toLowerCase() !== 'fix') words.unshift('fix');
  else if (type && !TYPE_PREFIXES.has(type)) words.unshift(...parts.slice(0, -1));
  const sentence = words.join(' ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

const VERBS: Record<FileChangeStatus, string> = {
  added: 'Add',
  modified: 'Update',
  deleted: 'Delete',
  renamed: 'Rename',
  copied: 'Copy',
  'mode-changed': 'Change the mode of',
  'type-changed': 'Change the type of',
};

function describeOne(file: ProposalFile): string {
  if ((file.status === 'renamed' || file.status === 'copied') && file.oldPath) return `${VERBS[file.status]} ${file.oldPath} to ${file.path}`;
  return `${VERBS[file.status]} ${file.path}`;
}

/** The longest directory all paths share ("src/web"), or null. */
function commonDirectory(paths: string[]): string | null {
  const dirs = paths.map((p) => p.split('/').slice(0, -1));
  const first = dirs[0] ?? [];
  let length = first.length;
  for (const dir of dirs.slice(1)) {
    let same = 0;
    while (same < Math.min(length, dir.length) && dir[same] === first[same]) same += 1;
    length = same;
  }
  return length > 0 ? first.slice(0, length).join('/') : null;
}

function fileList(files: ProposalFile[]): string {
  const lines = files.slice(0, LIST_AT_MOST).map((file) => `- ${describeOne(file)}`);
  if (files.length > LIST_AT_MOST) lines.push(`- … and ${files.length - LIST_AT_MOST} more`);
  return lines.join('\n');
}

/**
 * A commit message for `files` on `branch`: on a topic branch its name says what the work is; on the
 * default branch (or a detached HEAD) the files do. More than one file: the list follows as the body.
 */
export function proposeCommitMessage(files: ProposalFile[], branch: string | null, defaultBranch: string | null): string {
  if (files.length === 0) return '';
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fromBranch = branch && branch !== defaultBranch && !['main', 'master', 'trunk', 'develop'].includes(branch) ? describeBranch(branch) : null;
  if (sorted.length === 1 && !fromBranch) return describeOne(sorted[0]!);
  let subject = fromBranch;
  if (!subject) {
    const statuses = new Set(sorted.map((f) => f.status));
    const verb = statuses.size === 1 ? VERBS[sorted[0]!.status] : 'Update';
    const dir = commonDirectory(sorted.map((f) => f.path));
    subject = `${verb} ${sorted.length} files${dir ? ` in ${dir}` : ''}`;
  }
  return `${subject}\n\n${fileList(sorted)}`;
}

/**
 * A pull request's title and body: one commit gives its subject (and its body); several give the
 * branch's name as the title and their subjects as the body.
 */
export function proposePullRequest(branch: string | null, commits: { subject: string; body: string }[]): { title: string; body: string } {
  const fromBranch = branch ? describeBranch(branch) : null;
  if (commits.length === 1) {
    const only = commits[0]!;
    return { title: only.subject, body: only.body.trim() };
  }
  const title = fromBranch ?? commits[0]?.subject ?? 'Changes';
  if (commits.length === 0) return { title, body: '' };
  // Oldest first, as the pull request's commits read.
  const body = ['Commits:', ...[...commits].reverse().map((c) => `- ${c.subject}`)].join('\n');
  return { title, body };
}
