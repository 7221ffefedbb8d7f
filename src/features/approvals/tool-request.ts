// What an agent asks to do, for a person deciding on a phone (issue 20 §3): one line per request, and
// for file edits the change as a unified diff against the file on disk. Pure but for the file read,
// which is passed in (as the terminals' account: src/infra/terminal-user.ts).
import path from 'node:path';
import { unifiedDiff } from '../../../scripts/shellport/unified-diff.mjs';
import type { UserFileHead } from '../../infra/terminal-user.js';
import { oneLine } from '../../shared/text.js';

/** A summary line, at most this long. */
export const MAX_SUMMARY_LENGTH = 300;
/** Files larger than this are not read for a diff (the edit's own text is shown instead). */
export const MAX_DIFF_FILE_BYTES = 1024 * 1024;
/** A diff is cut here (with a line saying so): enough to judge, small enough for a notification's page. */
export const MAX_DIFF_CHARS = 64 * 1024;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const field = (input: unknown, name: string): unknown => (input && typeof input === 'object' ? (input as Record<string, unknown>)[name] : undefined);


/**
 * What the request is about, in full (no length limit): the command, the file, the URL. Requests
 * with the same tool and key are "the same request" for an allow-for-this-session.
 */
export function requestKey(tool: string, input: unknown): string {
  const pick = (...names: string[]) => names.map((name) => text(field(input, name))).find((value) => value !== null && value !== '') ?? null;
  switch (tool) {
    case 'Bash':
      return pick('command') ?? '';
    case 'Edit':
    case 'MultiEdit':
    case 'Write':
    case 'Read':
      return pick('file_path') ?? '';
    case 'NotebookEdit':
      return pick('notebook_path') ?? '';
    case 'WebFetch':
      return pick('url') ?? '';
    case 'WebSearch':
      return pick('query') ?? '';
    case 'Glob':
    case 'Grep':
      return [pick('pattern'), pick('path')].filter(Boolean).join(' in ');
    case 'Task':
    case 'Agent':
      return pick('description', 'prompt') ?? '';
    default:
      return JSON.stringify(input ?? null) ?? '';
  }
}

/** One line saying what: Bash → the command, Edit/Write/MultiEdit → the file, WebFetch → the URL, others → their input as JSON. */
export function summarizeToolRequest(tool: string, input: unknown): string {
  return oneLine(requestKey(tool, input), MAX_SUMMARY_LENGTH) || tool;
}

function replaceText(current: string, oldText: string, newText: string, all: boolean): string | null {
  if (oldText === '' || !current.includes(oldText)) return null;
  return all ? current.split(oldText).join(newText) : current.replace(oldText, () => newText);
}

type ReadFile = (file: string) => Promise<UserFileHead | null>;

/**
 * The change an Edit, MultiEdit or Write would make, as a unified diff: against the file as it is on
 * disk (read as the terminals' account), else between the edit's own old and new text. Null for other
 * tools, or when nothing can be shown. A relative path is the agent's: resolved in its `cwd`.
 */
export async function describeFileChange(tool: string, input: unknown, cwd: string | null, readFile: ReadFile): Promise<string | null> {
  if (tool !== 'Edit' && tool !== 'MultiEdit' && tool !== 'Write') return null;
  const filePath = text(field(input, 'file_path'));
  if (!filePath) return null;
  const absolute = path.isAbsolute(filePath) ? filePath : cwd ? path.resolve(cwd, filePath) : null;
  const head = absolute ? await readFile(absolute) : null;
  const current = head && head.size <= MAX_DIFF_FILE_BYTES ? head.data.toString('utf8') : null;
  const labels = { from: current === null && tool === 'Write' && !head ? '/dev/null' : `a${filePath.startsWith('/') ? '' : '/'}${filePath}`, to: `b${filePath.startsWith('/') ? '' : '/'}${filePath}`, maxChars: MAX_DIFF_CHARS };

  if (tool === 'Write') {
    const content = text(field(input, 'content'));
    if (content === null) return null;
    if (head && current === null) return `(${filePath} is ${head.size} bytes, too large to compare: it would be replaced by ${Buffer.byteLength(content)} bytes)\n`;
    return unifiedDiff(current ?? '', content, labels) || null;
  }

  const edits: { oldText: string; newText: string; all: boolean }[] = [];
  const editsOf = tool === 'Edit' ? [input] : Array.isArray(field(input, 'edits')) ? (field(input, 'edits') as unknown[]) : [];
  for (const edit of editsOf) {
    const oldText = text(field(edit, 'old_string'));
    const newText = text(field(edit, 'new_string'));
    if (oldText === null || newText === null) return null;
    edits.push({ oldText, newText, all: field(edit, 'replace_all') === true });
  }
  if (edits.length === 0) return null;
  if (current !== null) {
    let changed: string | null = current;
    for (const edit of edits) {
      changed = changed === null ? null : replaceText(changed, edit.oldText, edit.newText, edit.all);
    }
    if (changed !== null) return unifiedDiff(current, changed, labels) || null;
  }
  // The file cannot be read, or the text to replace is not in it (the agent may be wrong): its own words.
  const parts = edits.map((edit) => unifiedDiff(edit.oldText.endsWith('\n') ? edit.oldText : `${edit.oldText}\n`, edit.newText.endsWith('\n') ? edit.newText : `${edit.newText}\n`, labels)).filter(Boolean);
  const joined = parts.join('');
  return joined ? (joined.length > MAX_DIFF_CHARS ? `${joined.slice(0, MAX_DIFF_CHARS)}\n… (cut)\n` : joined) : null;
}
