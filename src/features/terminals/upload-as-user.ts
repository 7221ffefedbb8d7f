import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, conflict } from '../../http/errors.js';
import type { TerminalUser } from '../../infra/terminal-user.js';
import { describeFsError, fileExists, fileTooLarge, uploadAborted, type SavedUpload } from './uploads.js';

/*
 * Uploads when the shells run as another account (TERMINAL_USER). The server (root) must not write
 * into a directory the shells' account controls with its own rights, so a child process running as
 * that account does the writing, with the same steps as saveUpload(): it opens the shell's current
 * directory through /proc/<pid>/cwd once (a directory renamed or replaced by a symbolic link
 * meanwhile changes nothing), refuses a directory or an existing name without overwrite, streams
 * stdin into a temporary file there and puts it in place only when the server says `commit` on fd 3
 * after the whole body arrived. Killed (SIGTERM) or left without `commit`, it removes the file.
 * It answers on stdout with one JSON line when ready, and one when saved; errors as `{ error }`.
 *
 * For a prompt (a fourth argument, JSON: PromptPlace), it does what preparePromptUploads() and
 * freeName() do (prompt-uploads.ts), as that account too: finds the top of the repository the
 * shell's directory is in (else takes that directory), creates `.shellport` and `uploads` there one
 * at a time and opens each without following a symbolic link (one there is refused, `not_a_folder`),
 * adds the exclude line to the repository's `info/exclude` unless there, and saves the file under the
 * first of the given names that is free, never replacing one. findRepository() is repeated below:
 * keep the two alike.
 */
const WRITER = `'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const [pid, firstName, overwrite, promptArgument] = process.argv.slice(1);
const prompt = promptArgument ? JSON.parse(promptArgument) : null;
const names = prompt ? prompt.names : [firstName];
const say = (value) => fs.writeSync(1, JSON.stringify(value) + '\\n');
let dirFd = null, fd = null, temp = null, bytes = 0, ended = false, committed = false, control = '', name = names[0];
const cleanup = () => {
  if (fd !== null) { try { fs.closeSync(fd); } catch {} fd = null; }
  if (temp !== null) { try { fs.unlinkSync(temp); } catch {} temp = null; }
};
const stop = (status) => { cleanup(); process.exit(status); };
const fail = (error) => { say({ error: { code: String(error.code || 'EIO'), message: String(error.message) } }); stop(0); };
process.on('SIGTERM', () => stop(1));
const openDirectory = (at, flags = 0) => fs.openSync(at, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | flags);
const isFree = (at) => {
  try { fs.lstatSync(at); return false; } catch (error) { if (error.code === 'ENOENT') return true; throw error; }
};
function gitDirectoryOf(dotGit) {
  let info;
  try { info = fs.statSync(dotGit); } catch { return null; }
  if (info.isDirectory()) return dotGit;
  let text = '';
  try { text = fs.readFileSync(dotGit, 'utf8'); } catch {}
  const match = /^gitdir:\\s*(.+)$/m.exec(text);
  if (!match) return null;
  const gitDir = path.resolve(path.dirname(dotGit), match[1].trim());
  let common = '';
  try { common = fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim(); } catch {}
  return common ? path.resolve(gitDir, common) : gitDir;
}
function findRepository(dir) {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const gitDir = gitDirectoryOf(path.join(at, '.git'));
    if (gitDir) return { top: at, gitDir };
    if (path.dirname(at) === at) return null;
  }
}
// A folder in the directory open as parent, created unless there; a symbolic link or a file there is refused.
function openFolder(parent, entry) {
  const at = path.join(parent.here, entry);
  const shown = path.join(parent.dir, entry);
  try { fs.mkdirSync(at); } catch (error) { if (error.code !== 'EEXIST') throw Object.assign(error, { dir: parent.dir }); }
  try {
    return { here: '/proc/self/fd/' + openDirectory(at, fs.constants.O_NOFOLLOW), dir: shown };
  } catch (error) {
    if (error.code === 'ELOOP' || error.code === 'ENOTDIR') throw { code: 'not_a_folder', message: shown + ' is not a folder', dir: shown };
    throw Object.assign(error, { dir: shown });
  }
}
function excludeUploads(gitDir) {
  const file = path.join(gitDir, 'info', 'exclude');
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch (error) { if (error.code !== 'ENOENT') throw Object.assign(error, { dir: path.dirname(file) }); }
  if (text.split('\\n').some((line) => line.trim() === prompt.excludeLine)) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, (text === '' || text.endsWith('\\n') ? '' : '\\n') + prompt.excludeText);
  } catch (error) {
    throw Object.assign(error, { dir: path.dirname(file) });
  }
}
let here, dir, replaces;
try {
  dir = fs.readlinkSync('/proc/' + pid + '/cwd');
} catch (error) {
  say({ error: { code: 'working_directory_unknown', message: String(error.message) } });
  process.exit(0);
}
try {
  dirFd = openDirectory('/proc/' + pid + '/cwd');
  here = '/proc/self/fd/' + dirFd;
  if (prompt) {
    const repository = findRepository(dir);
    let folder = { here, dir };
    if (repository && repository.top !== dir) {
      try { folder = { here: '/proc/self/fd/' + openDirectory(repository.top), dir: repository.top }; }
      catch (error) { throw Object.assign(error, { dir: repository.top }); }
    }
    for (const entry of prompt.folder) folder = openFolder(folder, entry);
    ({ here, dir } = folder);
    if (repository) excludeUploads(repository.gitDir);
    name = names.find((candidate) => isFree(path.join(here, candidate))) || names[names.length - 1];
  }
  let existing = null;
  try { existing = fs.lstatSync(path.join(here, name)); } catch (error) { if (error.code !== 'ENOENT') throw error; }
  if (existing && existing.isDirectory()) { say({ error: { code: 'not_a_file', dir, name } }); process.exit(0); }
  if (existing && overwrite !== '1') { say({ error: { code: 'file_exists', dir, name } }); process.exit(0); }
  replaces = existing !== null;
  temp = path.join(here, '.shellport-upload-' + randomBytes(8).toString('hex') + '.part');
  fd = fs.openSync(temp, 'wx');
} catch (error) {
  say({ error: { code: String(error.code || 'EIO'), message: String(error.message), dir: error.dir || dir } });
  stop(0);
}
say({ ready: true, dir, name });
// Puts the temporary file at name; false when that name is taken (and nothing was replaced).
function place() {
  const target = path.join(here, name);
  if (overwrite === '1') {
    fs.renameSync(temp, target);
    temp = null;
    return true;
  }
  try {
    fs.linkSync(temp, target);
  } catch (error) {
    if (error.code === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code)) throw error;
    if (!isFree(target)) return false;
    fs.renameSync(temp, target);
    temp = null;
    return true;
  }
  fs.unlinkSync(temp);
  temp = null;
  return true;
}
function finish() {
  if (!ended || !committed || fd === null) return;
  try {
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    // For a prompt, a name taken meanwhile gives way to the next one.
    while (!place()) {
      const next = names[names.indexOf(name) + 1];
      if (next === undefined) { say({ error: { code: 'file_exists', dir, name } }); stop(0); }
      name = next;
    }
    say({ saved: { bytes, replaced: replaces, name } });
    process.exit(0);
  } catch (error) {
    fail(error);
  }
}
process.stdin.on('data', (chunk) => {
  try { fs.writeSync(fd, chunk); bytes += chunk.length; } catch (error) { fail(error); }
});
process.stdin.on('end', () => { ended = true; finish(); });
const commands = new net.Socket({ fd: 3, readable: true, writable: false });
commands.setEncoding('utf8');
commands.on('data', (text) => { control += text; if (control.includes('commit\\n')) { committed = true; finish(); } });
commands.on('end', () => { if (!committed) stop(1); });
commands.on('error', () => { if (!committed) stop(1); });
`;

interface WriterAnswer {
  ready?: true;
  dir?: string;
  name?: string;
  saved?: { bytes: number; replaced: boolean; name?: string };
  error?: { code: string; message?: string; dir?: string; name?: string };
}

/** Where an upload for a prompt goes (prompt-uploads.ts), for the writer to prepare as the shells' account. */
export interface PromptPlace {
  /** The folder at the repository's top (else the shell's directory), one entry a step: `['.shellport', 'uploads']`. */
  folder: string[];
  /** The names to try in turn; the file takes the first that is free. */
  names: string[];
  /** The line in `info/exclude` that says the folder is excluded already… */
  excludeLine: string;
  /** …and what is appended when none does. */
  excludeText: string;
}

export interface SaveUploadAsUserOptions {
  user: TerminalUser;
  /** The terminal's shell: the file goes into its current directory. */
  pid: number;
  name: string;
  body: Readable;
  maxBytes: number;
  overwrite: boolean;
  /** For a prompt: into `folder` at the repository's top, under the first free of `names` (`name` and `overwrite` are not used). */
  prompt?: PromptPlace;
}

/** `target` exists but is a symbolic link or a file where a folder for uploads belongs. */
export const notAFolder = (target: string) =>
  conflict('not_a_folder', `${target} is a symbolic link or a file, not a folder; Shellport writes only into a real folder there. Remove it and try again.`, { path: target });

function refusal(error: WriterAnswer['error'], dir: string, name: string): AppError | Error {
  if (!error) return new Error('the upload writer ended without an answer');
  const target = path.join(dir, error.name ?? name);
  switch (error.code) {
    case 'file_exists':
      return fileExists(target);
    case 'not_a_file':
      return conflict('not_a_file', `${target} is a directory; choose another name.`, { path: target });
    case 'not_a_folder':
      return notAFolder(dir);
    case 'working_directory_unknown':
      return new AppError(409, 'working_directory_unknown', "The current directory of the terminal's shell cannot be read; try again, or open a new terminal.");
    default: {
      const failure = Object.assign(new Error(error.message ?? error.code), { code: error.code }) as NodeJS.ErrnoException;
      return describeFsError(failure, dir, error.name ?? name);
    }
  }
}

/**
 * saveUpload() for a shell of another account: the same checks and answers, the writing done as that
 * account; with `prompt`, savePromptUpload()'s too. `name` is the name the file was saved under.
 */
export async function saveUploadAsUser({ user, pid, name, body, maxBytes, overwrite, prompt }: SaveUploadAsUserOptions): Promise<SavedUpload & { dir: string; name: string }> {
  if (body.destroyed && !body.readableEnded) throw uploadAborted();
  const args = prompt ? [String(pid), prompt.names[0] ?? name, '0', JSON.stringify(prompt)] : [String(pid), name, overwrite ? '1' : '0'];
  const child = spawn(process.execPath, ['-e', WRITER, ...args], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', HOME: user.home },
    stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
  });
  const exited = once(child, 'close').catch(() => undefined);
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<WriterAnswer> => {
    const line = await answers.next();
    if (line.done) return {};
    try {
      return JSON.parse(line.value) as WriterAnswer;
    } catch {
      return {};
    }
  };
  const control = child.stdio[3] as Writable;
  // The child may be gone (a refusal) while we still write: those errors are answered through `next`.
  child.stdin!.on('error', () => undefined);
  control.on('error', () => undefined);
  let dir = '(unknown)';
  let saveAs = name;
  const onAborted = () => limit.destroy(uploadAborted());
  const onClosed = () => {
    if (!body.readableEnded) onAborted();
  };
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? fileTooLarge(maxBytes) : null, chunk);
    },
  });
  try {
    const ready = await next();
    dir = ready.dir ?? ready.error?.dir ?? dir;
    saveAs = ready.name ?? saveAs;
    if (!ready.ready) throw refusal(ready.error, dir, saveAs);
    body.once('error', onAborted);
    body.once('close', onClosed);
    body.pipe(limit);
    await pipeline(limit, child.stdin!);
    control.end('commit\n');
    const saved = await next();
    if (!saved.saved) throw refusal(saved.error, dir, saveAs);
    saveAs = saved.saved.name ?? saveAs;
    return { path: path.join(dir, saveAs), bytes: saved.saved.bytes, replaced: saved.saved.replaced, dir, name: saveAs };
  } catch (error) {
    body.unpipe(limit);
    child.kill('SIGTERM');
    throw error;
  } finally {
    body.off('error', onAborted);
    body.off('close', onClosed);
    control.end();
    // The child removes its temporary file before it exits: the answer waits for that.
    await exited;
  }
}
