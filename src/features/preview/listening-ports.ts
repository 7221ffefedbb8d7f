// Which TCP ports the programs in Shellport's terminals listen on, read from /proc: each terminal's
// shell and its descendants (/proc/<pid>/task/<tid>/children), the sockets they hold
// (/proc/<pid>/fd/* → `socket:[inode]`) and the kernel's listening sockets (/proc/net/tcp, tcp6;
// parsed in proc-net.ts). Nothing here is logged: command lines are never read, only `comm`.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { ListeningPort } from '../../shared/preview.js';
import { isLoopbackOrAny, listeningSockets, parseProcNetTcp, type TcpSocketEntry } from './proc-net.js';

/** A terminal's shell, where the walk starts. */
export interface TerminalRoot {
  terminalId: string;
  workspaceId: string | null;
  pid: number;
}

/** A listening port as /proc tells it; the routes add whether and where it can be previewed. */
export type FoundListener = Omit<ListeningPort, 'previewUrl' | 'refused'>;

/** At most this many processes of one terminal are looked at (a fork bomb must not stall the list). */
const MAX_PROCESSES_PER_TERMINAL = 512;
/** At most this many open files of one process. */
const MAX_FDS = 4096;
const SOCKET_LINK = /^socket:\[(\d+)\]$/;

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** Listening sockets reachable on loopback, by inode, from both tables (tcp6 is absent without IPv6). */
async function readListeningSockets(procRoot: string): Promise<Map<number, TcpSocketEntry>> {
  const order = endianness();
  const byInode = new Map<number, TcpSocketEntry>();
  for (const table of ['tcp', 'tcp6']) {
    const text = await readText(`${procRoot}/net/${table}`);
    if (text === null) continue;
    for (const entry of listeningSockets(parseProcNetTcp(text, order))) {
      if (isLoopbackOrAny(entry.address)) byInode.set(entry.inode, entry);
    }
  }
  return byInode;
}

/** Children of every thread of `pid` (a child forked by a worker thread is listed under that thread). */
async function childrenOf(procRoot: string, pid: number): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir(`${procRoot}/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const task of tasks) {
    const text = await readText(`${procRoot}/${pid}/task/${task}/children`);
    if (text) for (const child of text.trim().split(/\s+/)) if (/^\d+$/.test(child)) children.push(Number(child));
  }
  return children;
}

/** The shell and all its descendants, breadth first, at most MAX_PROCESSES_PER_TERMINAL. */
async function processTree(procRoot: string, rootPid: number): Promise<number[]> {
  const seen = new Set<number>([rootPid]);
  const queue = [rootPid];
  for (let i = 0; i < queue.length && seen.size < MAX_PROCESSES_PER_TERMINAL; i++) {
    for (const child of await childrenOf(procRoot, queue[i]!)) {
      if (seen.has(child) || seen.size >= MAX_PROCESSES_PER_TERMINAL) continue;
      seen.add(child);
      queue.push(child);
    }
  }
  return queue;
}

/** The socket inodes a process holds open; null when its file descriptors cannot be read (another account's process). */
async function socketInodes(procRoot: string, pid: number): Promise<number[] | null> {
  let fds: string[];
  try {
    fds = (await readdir(`${procRoot}/${pid}/fd`)).slice(0, MAX_FDS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? null : [];
  }
  const inodes: number[] = [];
  for (const fd of fds) {
    try {
      const match = SOCKET_LINK.exec(await readlink(`${procRoot}/${pid}/fd/${fd}`));
      if (match) inodes.push(Number(match[1]));
    } catch {
      // Closed since it was listed.
    }
  }
  return inodes;
}

/** The real uid of a process (/proc/<pid>/status `Uid:`), readable for any process. */
async function uidOf(procRoot: string, pid: number): Promise<number | null> {
  const status = await readText(`${procRoot}/${pid}/status`);
  const match = status ? /^Uid:\s+(\d+)/m.exec(status) : null;
  return match ? Number(match[1]) : null;
}

/**
 * The ports the terminals' programs listen on, reachable on loopback, one entry per port and process.
 * When a terminal's processes belong to another account whose open files the server may not read
 * (TERMINAL_USER without CAP_SYS_PTRACE), the listening sockets owned by that account are listed
 * without a process or terminal. Never throws: what cannot be read is left out.
 */
export async function findListeningPorts(terminals: readonly TerminalRoot[], procRoot = '/proc'): Promise<FoundListener[]> {
  const sockets = await readListeningSockets(procRoot);
  if (sockets.size === 0 || terminals.length === 0) return [];
  const found = new Map<string, FoundListener>();
  const attributed = new Set<number>();
  const unreadableUids = new Set<number>();
  for (const terminal of terminals) {
    for (const pid of await processTree(procRoot, terminal.pid)) {
      const inodes = await socketInodes(procRoot, pid);
      if (inodes === null) {
        const uid = await uidOf(procRoot, pid);
        if (uid !== null) unreadableUids.add(uid);
        continue;
      }
      for (const inode of inodes) {
        const socket = sockets.get(inode);
        if (!socket) continue;
        attributed.add(inode);
        const key = `${socket.port}/${pid}`;
        let entry = found.get(key);
        if (!entry) {
          const comm = await readText(`${procRoot}/${pid}/comm`);
          entry = { port: socket.port, addresses: [], pid, process: comm?.trim() || null, terminalId: terminal.terminalId, workspaceId: terminal.workspaceId };
          found.set(key, entry);
        }
        if (!entry.addresses.includes(socket.address)) entry.addresses.push(socket.address);
      }
    }
  }
  const ownUid = process.getuid?.();
  for (const [inode, socket] of sockets) {
    if (attributed.has(inode) || !unreadableUids.has(socket.uid) || socket.uid === ownUid) continue;
    const key = `${socket.port}/?`;
    const entry = found.get(key) ?? { port: socket.port, addresses: [], pid: null, process: null, terminalId: null, workspaceId: null };
    found.set(key, entry);
    if (!entry.addresses.includes(socket.address)) entry.addresses.push(socket.address);
  }
  return [...found.values()].sort((a, b) => a.port - b.port || (a.pid ?? 0) - (b.pid ?? 0));
}
