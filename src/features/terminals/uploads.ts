import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { link, lstat, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, conflict } from '../../http/errors.js';
import { formatBytes } from '../../shared/units.js';

export interface SaveUploadOptions {
  /** Absolute directory to write into (the shell's current directory). */
  dir: string;
  /** A plain file name, already validated (uploadQuerySchema). */
  name: string;
  body: Readable;
  maxBytes: number;
  overwrite: boolean;
}

export interface SavedUpload {
  path: string;
  bytes: number;
  replaced: boolean;
}

export const fileTooLarge = (maxBytes: number) =>
  new AppError(413, 'file_too_large', `The file is larger than the upload limit of ${formatBytes(maxBytes)}; nothing was written. The server's UPLOAD_MAX_MB sets the limit.`, {
    maxBytes,
  });

export const uploadAborted = () => new AppError(400, 'upload_aborted', 'The upload was interrupted before the whole file arrived; nothing was written.');

export const fileExists = (target: string) =>
  conflict('file_exists', `${target} already exists; upload again with overwrite=true to replace it.`, { path: target });

/**
 * Streams `body` into `dir/name`: first into a temporary file beside it, renamed into place only
 * once complete, so an aborted or failed upload leaves nothing behind. An existing file is kept
 * unless `overwrite`; then it is replaced in one rename. The new file gets the process's default
 * mode (0666 minus the umask).
 */
export async function saveUpload({ dir, name, body, maxBytes, overwrite }: SaveUploadOptions): Promise<SavedUpload> {
  const target = path.join(dir, name);
  const existing = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw describeFsError(error, dir, name);
  });
  if (existing?.isDirectory()) throw conflict('not_a_file', `${target} is a directory; choose another name.`, { path: target });
  if (existing && !overwrite) throw fileExists(target);
  // The client may have gone while the name was checked: its 'close' came before the listeners below.
  if (body.destroyed && !body.readableEnded) throw uploadAborted();

  // Not derived from `name`, which may already be 255 bytes long.
  const temp = path.join(dir, `.shellport-upload-${randomBytes(8).toString('hex')}.part`);
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? fileTooLarge(maxBytes) : null, chunk);
    },
  });
  // The request is piped rather than put into the pipeline: a pipeline would destroy it (and with it
  // the socket) on failure, and the client would never see the answer.
  const onAborted = () => limit.destroy(uploadAborted());
  const onClosed = () => {
    if (!body.readableEnded) onAborted();
  };
  body.once('error', onAborted);
  body.once('close', onClosed);
  body.pipe(limit);
  const out = createWriteStream(temp, { flags: 'wx', flush: true });
  try {
    await pipeline(limit, out);
    if (overwrite) await rename(temp, target);
    else await linkWithoutReplacing(temp, target);
  } catch (error) {
    body.unpipe(limit);
    // An upload cancelled at once fails before the temporary file is even open: unlinking it before
    // the stream has opened and closed it would leave it behind.
    await closed(out);
    await unlink(temp).catch(() => undefined);
    if (error instanceof AppError) throw error;
    throw describeFsError(error as NodeJS.ErrnoException, dir, name);
  } finally {
    body.off('error', onAborted);
    body.off('close', onClosed);
  }
  await unlink(temp).catch(() => undefined);
  return { path: target, bytes, replaced: existing !== null };
}

function closed(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return once(stream, 'close').then(
    () => undefined,
    () => undefined,
  );
}

/** Puts the finished temp file at `target` only if nothing is there (link fails on an existing name; rename would replace it). */
async function linkWithoutReplacing(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw fileExists(target);
    // File systems without hard links (FAT, some network and FUSE mounts): check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if (await lstat(target).then(() => true, () => false)) throw fileExists(target);
    await rename(temp, target);
  }
}

/** A file-system failure in words, with what to do next. */
export function describeFsError(error: NodeJS.ErrnoException, dir: string, name: string): AppError | Error {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new AppError(507, 'disk_full', `There is not enough disk space to write ${name}: free space on the disk holding ${dir} (see df -h) and try again.`);
    case 'EACCES':
    case 'EPERM':
      return new AppError(403, 'permission_denied', `Shellport may not write into ${dir}: cd to a directory you can write to, or change its permissions, and try again.`);
    case 'EROFS':
      return conflict('read_only', `${dir} is on a read-only file system: cd to another directory and try again.`);
    case 'ENOENT':
    case 'ENOTDIR':
      return conflict('working_directory_missing', `The terminal's current directory ${dir} no longer exists: cd to another directory and try again.`);
    case 'ENAMETOOLONG':
      return new AppError(400, 'name_too_long', `The path ${path.join(dir, name)} is too long for the file system; choose a shorter name or directory.`);
    default:
      return error;
  }
}
