import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TerminalUser } from '../config/terminal-user.js';

/*
 * Shells as another Unix account than the server (TERMINAL_USER, issue 18). The server keeps
 * DATA_DIR, the vault key and the database to itself; the shells' account owns the workspaces and
 * its home. The server must then run as root to start processes as that account (node-pty and
 * child_process take a uid and gid), and it must not do file work in the shells' trees with its own
 * rights: a program in a terminal could swap a directory for a symbolic link at the right moment
 * and have root create, move or delete files elsewhere. So whatever writes there (the server's git,
 * creating, moving and deleting workspace directories, uploads) runs as that account.
 */

export type { TerminalUser };

/** The account shells run as, when it is not the server's own; null when they run as the server's. */
export function separateUser(user: TerminalUser | null): TerminalUser | null {
  return user !== null && user.uid !== process.getuid?.() ? user : null;
}

/** The uid/gid options for child_process or node-pty, or nothing when shells run as the server's account. */
export function spawnIdentity(user: TerminalUser | null): { uid: number; gid: number } | Record<string, never> {
  const other = separateUser(user);
  return other ? { uid: other.uid, gid: other.gid } : {};
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Start-up checks of the two-user layout: the server runs as root (it switches account for each
 * shell), the workspaces are outside DATA_DIR, and DATA_DIR is neither the shells' account's nor
 * open to group or others. Throws an Error that says what to change. No-op when shells run as the
 * server's own account.
 */
export async function ensureUserSeparation({ user, dataDir, workspacesDir }: { user: TerminalUser | null; dataDir: string; workspacesDir: string }): Promise<void> {
  const other = separateUser(user);
  if (!other) return;
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new Error(
      `TERMINAL_USER=${other.name}: starting shells as another account needs the server to run as root, and it runs as uid ${uid ?? 'unknown'}. Run it as root (the Docker image and scripts/shellport.service do), or unset TERMINAL_USER to run shells as the server's own account (docs/security.md).`,
    );
  }
  if (isInside(dataDir, workspacesDir)) {
    throw new Error(
      `TERMINAL_USER=${other.name}: WORKSPACES_DIR (${workspacesDir}) is inside DATA_DIR (${dataDir}), which ${other.name} must not reach. Put the workspaces in its home, e.g. WORKSPACES_DIR=${path.join(other.home, 'workspaces')} (docs/deploy.md says how to move existing ones).`,
    );
  }
  const info = await stat(dataDir);
  if (info.uid === other.uid || (info.mode & 0o077) !== 0) {
    throw new Error(
      `TERMINAL_USER=${other.name}: DATA_DIR (${dataDir}) is ${info.uid === other.uid ? `owned by ${other.name}` : `open to group or others (mode ${(info.mode & 0o777).toString(8)})`}, so the shells could read the vault key and the database. Make it the server's alone: chown -R root:root ${dataDir} && chmod 700 ${dataDir}`,
    );
  }
}

/**
 * Gives the server process the shells' account's supplementary groups. node-pty switches uid and gid
 * in the forked child but does not set its groups, so the shell would otherwise keep root's; the
 * server, as root, needs no group of its own. (child_process clears the groups itself.)
 */
export function adoptUserGroups(user: TerminalUser | null): void {
  const other = separateUser(user);
  // process.initgroups exists on POSIX (docs: process.initgroups); @types/node leaves it out.
  const posix = process as NodeJS.Process & { initgroups?: (user: string, extraGroup: number) => void };
  if (other && process.getuid?.() === 0 && posix.initgroups) posix.initgroups(other.name, other.gid);
}

/** Creating, moving and deleting directories in the workspaces, as the account that owns them. */
export interface UserFiles {
  /** mkdir -p, new directories mode 0700. */
  mkdir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** rm -rf: a symbolic link is removed, never followed. */
  remove(target: string): Promise<void>;
}

// Run by `node -e` as the shells' account: the kernel checks every step with that account's rights.
const FILE_OPERATION = `
const fs = require('node:fs');
const [operation, a, b] = process.argv.slice(1);
if (operation === 'mkdir') fs.mkdirSync(a, { recursive: true, mode: 0o700 });
else if (operation === 'rename') fs.renameSync(a, b);
else if (operation === 'remove') fs.rmSync(a, { recursive: true, force: true });
else throw new Error('unknown operation ' + operation);
`;

function runAs(user: TerminalUser, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', FILE_OPERATION, ...args], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', HOME: user.home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      // Node prints the thrown error's stack; its first "Error: …" line is the useful part.
      const message = /^\w*Error: (.*)$/m.exec(stderr)?.[1] ?? (stderr.trim() || `exit status ${code}`);
      reject(new Error(`${args[0]} as ${user.name} failed: ${message}`));
    });
  });
}

/** The server's own fs calls, or the same operations run as the shells' account when it is another. */
export function createUserFiles(user: TerminalUser | null): UserFiles {
  const other = separateUser(user);
  if (!other) {
    return {
      mkdir: async (dir) => void (await mkdir(dir, { recursive: true, mode: 0o700 })),
      rename: (from, to) => rename(from, to),
      remove: (target) => rm(target, { recursive: true, force: true }),
    };
  }
  return {
    mkdir: (dir) => runAs(other, ['mkdir', dir]),
    rename: (from, to) => runAs(other, ['rename', from, to]),
    remove: (target) => runAs(other, ['remove', target]),
  };
}

/** The start of a regular file, and its whole size. */
export interface UserFileHead {
  data: Buffer;
  size: number;
}

// Run by `node -e` as the shells' account: prints the size on a line of its own, then the bytes.
// Non-blocking open and a regular-file check first: a FIFO or a device must not hang or be read.
const READ_HEAD = `
const fs = require('node:fs');
const [file, max] = process.argv.slice(1);
const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
const info = fs.fstatSync(fd);
if (!info.isFile()) process.exit(3);
const buffer = Buffer.alloc(Math.min(info.size, Number(max)));
const length = buffer.length > 0 ? fs.readSync(fd, buffer, 0, buffer.length, 0) : 0;
process.stdout.write(info.size + '\\n');
process.stdout.write(buffer.subarray(0, length));
`;

/**
 * At most `maxBytes` of a regular file (and its size), read with the rights of the shells' account:
 * as that account when it is another (TERMINAL_USER), so the server shows nothing a terminal could not
 * read itself. Null for anything else: missing, unreadable, a directory, a FIFO or a device.
 */
export async function readUserFile(user: TerminalUser | null, file: string, maxBytes: number): Promise<UserFileHead | null> {
  const other = separateUser(user);
  if (!other) {
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY).catch(() => null);
    if (!handle) return null;
    try {
      const info = await handle.stat();
      if (!info.isFile()) return null;
      const buffer = Buffer.alloc(Math.min(info.size, maxBytes));
      const { bytesRead } = buffer.length > 0 ? await handle.read(buffer, 0, buffer.length, 0) : { bytesRead: 0 };
      return { data: buffer.subarray(0, bytesRead), size: info.size };
    } catch {
      return null;
    } finally {
      await handle.close();
    }
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', READ_HEAD, file, String(maxBytes)], {
      uid: other.uid,
      gid: other.gid,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', HOME: other.home },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let received = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes + 32) chunks.push(chunk);
    });
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      const output = Buffer.concat(chunks);
      const newline = output.indexOf(10);
      if (code !== 0 || newline < 0) return resolve(null);
      resolve({ size: Number(output.subarray(0, newline).toString()), data: output.subarray(newline + 1, newline + 1 + maxBytes) });
    });
  });
}
