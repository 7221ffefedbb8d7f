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
 */
const WRITER = `'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const [pid, name, overwrite] = process.argv.slice(1);
const say = (value) => fs.writeSync(1, JSON.stringify(value) + '\\n');
let dirFd = null, fd = null, temp = null, bytes = 0, ended = false, committed = false, control = '';
const cleanup = () => {
  if (fd !== null) { try { fs.closeSync(fd); } catch {} fd = null; }
  if (temp !== null) { try { fs.unlinkSync(temp); } catch {} temp = null; }
};
const stop = (status) => { cleanup(); process.exit(status); };
const fail = (error) => { say({ error: { code: String(error.code || 'EIO'), message: String(error.message) } }); stop(0); };
process.on('SIGTERM', () => stop(1));
let here, dir, replaces;
try {
  dir = fs.readlinkSync('/proc/' + pid + '/cwd');
} catch (error) {
  say({ error: { code: 'working_directory_unknown', message: String(error.message) } });
  process.exit(0);
}
try {
  dirFd = fs.openSync('/proc/' + pid + '/cwd', fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  here = '/proc/self/fd/' + dirFd;
  let existing = null;
  try { existing = fs.lstatSync(path.join(here, name)); } catch (error) { if (error.code !== 'ENOENT') throw error; }
  if (existing && existing.isDirectory()) { say({ error: { code: 'not_a_file', dir } }); process.exit(0); }
  if (existing && overwrite !== '1') { say({ error: { code: 'file_exists', dir } }); process.exit(0); }
  replaces = existing !== null;
  temp = path.join(here, '.shellport-upload-' + randomBytes(8).toString('hex') + '.part');
  fd = fs.openSync(temp, 'wx');
} catch (error) {
  say({ error: { code: String(error.code || 'EIO'), message: String(error.message), dir } });
  stop(0);
}
say({ ready: true, dir });
function finish() {
  if (!ended || !committed || fd === null) return;
  try {
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    const target = path.join(here, name);
    if (overwrite === '1') {
      fs.renameSync(temp, target);
      temp = null;
    } else {
      try {
        fs.linkSync(temp, target);
      } catch (error) {
        if (error.code === 'EEXIST') { say({ error: { code: 'file_exists', dir } }); stop(0); }
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code)) throw error;
        let taken = true;
        try { fs.lstatSync(target); } catch { taken = false; }
        if (taken) { say({ error: { code: 'file_exists', dir } }); stop(0); }
        fs.renameSync(temp, target);
        temp = null;
      }
      if (temp !== null) { fs.unlinkSync(temp); temp = null; }
    }
    say({ saved: { bytes, replaced: replaces } });
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
  saved?: { bytes: number; replaced: boolean };
  error?: { code: string; message?: string; dir?: string };
}

export interface SaveUploadAsUserOptions {
  user: TerminalUser;
  /** The terminal's shell: the file goes into its current directory. */
  pid: number;
  name: string;
  body: Readable;
  maxBytes: number;
  overwrite: boolean;
}

function refusal(error: WriterAnswer['error'], dir: string, name: string): AppError | Error {
  const target = path.join(dir, name);
  if (!error) return new Error('the upload writer ended without an answer');
  switch (error.code) {
    case 'file_exists':
      return fileExists(target);
    case 'not_a_file':
      return conflict('not_a_file', `${target} is a directory; choose another name.`, { path: target });
    case 'working_directory_unknown':
      return new AppError(409, 'working_directory_unknown', "The current directory of the terminal's shell cannot be read; try again, or open a new terminal.");
    default: {
      const failure = Object.assign(new Error(error.message ?? error.code), { code: error.code }) as NodeJS.ErrnoException;
      return describeFsError(failure, dir, name);
    }
  }
}

/** saveUpload() for a shell of another account: the same checks and answers, the writing done as that account. */
export async function saveUploadAsUser({ user, pid, name, body, maxBytes, overwrite }: SaveUploadAsUserOptions): Promise<SavedUpload & { dir: string }> {
  if (body.destroyed && !body.readableEnded) throw uploadAborted();
  const child = spawn(process.execPath, ['-e', WRITER, String(pid), name, overwrite ? '1' : '0'], {
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
    if (!ready.ready) throw refusal(ready.error, dir, name);
    body.once('error', onAborted);
    body.once('close', onClosed);
    body.pipe(limit);
    await pipeline(limit, child.stdin!);
    control.end('commit\n');
    const saved = await next();
    if (!saved.saved) throw refusal(saved.error, dir, name);
    return { path: path.join(dir, name), bytes: saved.saved.bytes, replaced: saved.saved.replaced, dir };
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
