// Images (and files) for a prompt (issue 22 §2; claude-code #5277, #608): pasted or picked on a phone,
// they go into `.shellport/uploads` at the top of the repository the shell is in (else in its current
// directory), under a name of their own so a second paste never asks to replace the first, and the
// folder is kept out of git through the repository's `.git/info/exclude` (nothing committed changes).
// Where the shells run as another account (TERMINAL_USER), all of it is done as that account, by
// upload-as-user.ts's writer (savePromptUploadAsUser).
import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { notAFolder, saveUploadAsUser, type SaveUploadAsUserOptions } from './upload-as-user.js';
import { describeFsError, saveUpload, type SavedUpload, type SaveUploadOptions } from './uploads.js';

/** Where prompt uploads go, relative to the repository's (or the directory's) top. */
export const PROMPT_UPLOADS_DIR = path.join('.shellport', 'uploads');
/** The line in `info/exclude` that keeps them out of git. */
const EXCLUDE_LINE = '/.shellport/uploads/';
/** What is appended to `info/exclude` when no line says it yet. */
const EXCLUDE_TEXT = `# Files pasted into Shellport's terminals for agents to read\n${EXCLUDE_LINE}\n`;
/** Names tried after the first one is taken, before giving up. */
const NAME_ATTEMPTS = 50;

export interface PromptUploadsPlace {
  /** The directory the file goes into (created). */
  dir: string;
  /** The repository's top, or null when the shell is in no repository. */
  repository: string | null;
}

/** The git directory a `.git` entry names: the directory itself, or a worktree's `gitdir:` file's common directory. */
async function gitDirectoryOf(dotGit: string): Promise<string | null> {
  const info = await stat(dotGit).catch(() => null);
  if (!info) return null;
  if (info.isDirectory()) return dotGit;
  const text = await readFile(dotGit, 'utf8').catch(() => '');
  const match = /^gitdir:\s*(.+)$/m.exec(text);
  if (!match) return null;
  const gitDir = path.resolve(path.dirname(dotGit), match[1]!.trim());
  // A linked worktree's excludes are the main repository's (`commondir`).
  const common = (await readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => '')).trim();
  return common ? path.resolve(gitDir, common) : gitDir;
}

/** The top of the git repository holding `dir` and its git directory, or null. */
export async function findRepository(dir: string): Promise<{ top: string; gitDir: string } | null> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const gitDir = await gitDirectoryOf(path.join(at, '.git'));
    if (gitDir) return { top: at, gitDir };
    if (path.dirname(at) === at) return null;
  }
}

/** Adds the uploads folder to the repository's `info/exclude` unless a line there says it already. */
export async function excludeUploads(gitDir: string): Promise<void> {
  const file = path.join(gitDir, 'info', 'exclude');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  if (text.split('\n').some((line) => line.trim() === EXCLUDE_LINE)) return;
  await mkdir(path.dirname(file), { recursive: true });
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  await writeFile(file, `${text}${separator}${EXCLUDE_TEXT}`);
}

/**
 * Creates `.shellport`, then `uploads` in it, unless there; a symbolic link or a file in their place
 * is refused rather than followed (as upload-as-user.ts's writer does), so the files go nowhere else.
 */
async function ensureUploadsFolder(top: string): Promise<string> {
  let dir = top;
  for (const entry of PROMPT_UPLOADS_DIR.split(path.sep)) {
    dir = path.join(dir, entry);
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    if (!(await lstat(dir)).isDirectory()) throw notAFolder(dir);
  }
  return dir;
}

/** Finds (and creates) where a prompt upload from a shell in `cwd` goes, and keeps it out of git. */
export async function preparePromptUploads(cwd: string): Promise<PromptUploadsPlace> {
  const repository = await findRepository(cwd);
  const dir = await ensureUploadsFolder(repository?.top ?? cwd);
  if (repository) await excludeUploads(repository.gitDir);
  return { dir, repository: repository?.top ?? null };
}

/** `photo.png` → `photo-20261207-152233.png` (UTC), then `-2`, `-3`… for `attempt` 1, 2…: a name of its own. */
export function promptUploadName(name: string, now: Date, attempt = 0): string {
  const extension = path.extname(name);
  const stem = name.slice(0, name.length - extension.length) || 'file';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = attempt > 0 ? `-${attempt + 1}` : '';
  // Within 255 bytes: the stem gives way.
  let candidate = `${stem}-${stamp}${suffix}${extension}`;
  let cut = stem;
  while (Buffer.byteLength(candidate, 'utf8') > 255 && cut.length > 1) {
    cut = [...cut].slice(0, -1).join('');
    candidate = `${cut}-${stamp}${suffix}${extension}`;
  }
  return candidate;
}

/** The names `promptUploadName` gives in turn, the last one tried included. */
function promptUploadNames(name: string, now: Date): string[] {
  return Array.from({ length: NAME_ATTEMPTS + 1 }, (_, attempt) => promptUploadName(name, now, attempt));
}

/**
 * The first name from `promptUploadName` not taken in `dir` (at most NAME_ATTEMPTS tried). Checked
 * before the upload is read: the body can be streamed only once, so a name is not retried after.
 */
export async function freeName(dir: string, name: string, now: Date): Promise<string> {
  const candidates = promptUploadNames(name, now);
  for (const candidate of candidates.slice(0, -1)) {
    const taken = await lstat(path.join(dir, candidate)).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    if (!taken) return candidate;
  }
  return candidates.at(-1)!;
}

export interface SavePromptUploadOptions extends Omit<SaveUploadOptions, 'dir' | 'overwrite'> {
  /** The shell's current directory. */
  cwd: string;
  now: Date;
}

/** Saves an upload for a prompt under `.shellport/uploads` (preparePromptUploads) with a name of its own. */
export async function savePromptUpload({ cwd, name, now, ...rest }: SavePromptUploadOptions): Promise<SavedUpload & { name: string; dir: string }> {
  let place: PromptUploadsPlace;
  try {
    place = await preparePromptUploads(cwd);
  } catch (error) {
    throw describeFsError(error as NodeJS.ErrnoException, cwd, PROMPT_UPLOADS_DIR);
  }
  const saveAs = await freeName(place.dir, name, now);
  return { ...(await saveUpload({ dir: place.dir, name: saveAs, overwrite: false, ...rest })), name: saveAs, dir: place.dir };
}

export interface SavePromptUploadAsUserOptions extends Omit<SaveUploadAsUserOptions, 'overwrite' | 'prompt'> {
  now: Date;
}

/**
 * savePromptUpload() for a shell of another account (TERMINAL_USER): finding the repository, creating
 * the folder, the exclude line and the file are all done as that account, never as the server's.
 */
export async function savePromptUploadAsUser({ name, now, ...rest }: SavePromptUploadAsUserOptions): Promise<SavedUpload & { name: string; dir: string }> {
  return saveUploadAsUser({
    ...rest,
    name,
    overwrite: false,
    prompt: { folder: PROMPT_UPLOADS_DIR.split(path.sep), names: promptUploadNames(name, now), excludeLine: EXCLUDE_LINE, excludeText: EXCLUDE_TEXT },
  });
}
