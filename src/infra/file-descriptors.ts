// File descriptors of this process: every terminal holds one (its PTY), and the scrollback writer up
// to a bounded number (MAX_OPEN_SEGMENTS in output-store.ts). Node raises the soft RLIMIT_NOFILE to the
// hard limit at start-up by itself (PlatformInit in node.cc); what is left is to report the limits and
// the use. Linux only (/proc); elsewhere both are unknown (null).
import { readdirSync, readFileSync } from 'node:fs';

export interface FileLimits {
  soft: number;
  hard: number;
}

/** `Max open files` of /proc/self/limits ("unlimited" counts as Infinity). */
export function parseOpenFileLimits(limitsText: string): FileLimits | null {
  const line = limitsText.split('\n').find((row) => row.startsWith('Max open files'));
  const match = line ? /^Max open files\s+(\S+)\s+(\S+)/.exec(line) : null;
  if (!match) return null;
  const value = (text: string) => (text === 'unlimited' ? Infinity : Number(text));
  const soft = value(match[1]!);
  const hard = value(match[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}

export function readOpenFileLimits(): FileLimits | null {
  try {
    return parseOpenFileLimits(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}

export function countOpenFileDescriptors(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}
