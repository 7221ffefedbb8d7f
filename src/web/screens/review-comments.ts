// Comments on the lines of a review (issue 21 §2), kept on this device until they are sent to the
// agent as the next prompt of its conversation. DOM-free: callers pass the storage (localStorage in
// the browser, a stand-in in unit tests), so a comment written on a phone survives a reload.
import type { DiffLine } from '../../shared/review.js';
import { RUN_LIMITS } from '../../shared/runs.js';
import type { KeyValueStorage } from '../terminals/font-size.js';

export interface ReviewComment {
  id: string;
  path: string;
  /** The line's number in the new file, or in the old one for a removed line. */
  line: number;
  kind: DiffLine['kind'];
  /** The line itself, as the diff showed it (the agent may have moved it since). */
  lineText: string;
  text: string;
}

/** Characters of a commented line quoted in the prompt. */
const QUOTE_CHARS = 200;
const MAX_COMMENT_CHARS = 4000;

/** The number a comment on `line` refers to: the new file's, or the old file's for a removed line. */
export function commentedLineNumber(line: DiffLine): number | null {
  return line.kind === 'del' ? line.oldLine : line.newLine;
}

export class ReviewComments {
  private comments: ReviewComment[];

  constructor(
    private readonly storage: KeyValueStorage | null,
    /** One list per workspace (and per run, when the review is a run's worktree). */
    private readonly key: string,
  ) {
    this.comments = this.read();
  }

  list(): readonly ReviewComment[] {
    return this.comments;
  }

  /** Adds a comment on a line; blank text adds nothing. Returns the comment, or null. */
  add(path: string, line: DiffLine, text: string): ReviewComment | null {
    const number = commentedLineNumber(line);
    const trimmed = text.trim().slice(0, MAX_COMMENT_CHARS);
    if (number === null || trimmed === '') return null;
    const comment: ReviewComment = { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, path, line: number, kind: line.kind, lineText: line.text, text: trimmed };
    this.comments = [...this.comments, comment];
    this.write();
    return comment;
  }

  remove(id: string): void {
    this.comments = this.comments.filter((comment) => comment.id !== id);
    this.write();
  }

  clear(): void {
    this.comments = [];
    this.write();
  }

  /** The comments on one line of one file. */
  on(path: string, line: DiffLine): ReviewComment[] {
    const number = commentedLineNumber(line);
    return this.comments.filter((comment) => comment.path === path && comment.line === number && comment.kind === line.kind);
  }

  private read(): ReviewComment[] {
    try {
      const parsed: unknown = JSON.parse(this.storage?.getItem(this.key) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isComment) : [];
    } catch {
      return [];
    }
  }

  private write(): void {
    try {
      if (this.comments.length === 0) this.storage?.removeItem(this.key);
      else this.storage?.setItem(this.key, JSON.stringify(this.comments));
    } catch {
      // Full or disabled storage: the comments last until the page is left.
    }
  }
}

function isComment(value: unknown): value is ReviewComment {
  const comment = value as Partial<ReviewComment> | null;
  return (
    typeof comment === 'object' &&
    comment !== null &&
    typeof comment.id === 'string' &&
    typeof comment.path === 'string' &&
    typeof comment.line === 'number' &&
    (comment.kind === 'add' || comment.kind === 'del' || comment.kind === 'context') &&
    typeof comment.lineText === 'string' &&
    typeof comment.text === 'string'
  );
}

const KIND_WORDS: Record<DiffLine['kind'], string> = { add: 'added line', del: 'removed line', context: 'line' };

/**
 * The follow-up prompt: every comment with the file, the line and the line's text, in the order of
 * the files and lines. Within the runs API's prompt limit (the last comments are cut with a note).
 */
export function commentsPrompt(comments: readonly ReviewComment[]): string {
  const sorted = [...comments].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  const head = sorted.length === 1 ? 'Please address this review comment on your changes:' : `Please address these ${sorted.length} review comments on your changes:`;
  const parts = sorted.map((comment, index) => {
    const quoted = comment.lineText.trim().slice(0, QUOTE_CHARS);
    const where = `${comment.path}, ${KIND_WORDS[comment.kind]} ${comment.line}${quoted ? ` (\`${quoted.replace(/`/g, "'")}\`)` : ''}`;
    return `${index + 1}. ${where}:\n${comment.text.replace(/^/gm, '   ')}`;
  });
  let prompt = `${head}\n\n${parts.join('\n\n')}`;
  if (prompt.length > RUN_LIMITS.promptChars) {
    const note = '\n\n(The remaining comments were too long to send at once.)';
    prompt = prompt.slice(0, RUN_LIMITS.promptChars - note.length) + note;
  }
  return prompt;
}
