import { z } from 'zod';
import { emptyToUndefined, integer } from './env.js';
import { terminalUser, type TerminalUser } from './terminal-user.js';

/**
 * Server environment variables a shell may inherit. Everything else in the server's environment
 * (session keys, OAuth secrets, SHELLPORT_SECRET_KEY, …) never reaches a terminal.
 */
export const INHERITED_ENV_NAMES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR'] as const;
const LOCALE_VARIABLE = /^LC_[A-Z_]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const terminalsEnv = {
  TERMINAL_MAX_SESSIONS: integer({ min: 1, max: 10_000, default: 100 }),
  TERMINAL_IDLE_TIMEOUT_MINUTES: integer({ min: 0, max: 525_600, default: 0 }),
  TERMINAL_MAX_INPUT_BYTES: integer({ min: 1, max: 1024 * 1024, default: 64 * 1024 }),
  TERMINAL_RING_BUFFER_KB: integer({ min: 64, max: 1024 * 1024, default: 1024 }),
  TERMINAL_RETAINED_OUTPUT_KB: integer({ min: 64, max: 16 * 1024 * 1024, default: 16 * 1024 }),
  TERMINAL_KILL_GRACE_MS: integer({ min: 0, max: 600_000, default: 2000 }),
  TERMINAL_SNAPSHOT_SCROLLBACK_LINES: integer({ min: 0, max: 1000, default: 1000 }),
  TERMINAL_FLOW_HIGH_WATERMARK_KB: integer({ min: 16, max: 1024 * 1024, default: 256 }),
  TERMINAL_FLOW_LOW_WATERMARK_KB: integer({ min: 1, max: 1024 * 1024, default: 64 }),
  TERMINAL_STALL_TIMEOUT_MS: integer({ min: 100, max: 3_600_000, default: 2000 }),
  TERMINAL_SHARED_OUTPUT_KBPS: integer({ min: 0, max: 1024 * 1024, default: 256 }),
  TERMINAL_PERSIST_INTERVAL_MS: integer({ min: 1, max: 60_000, default: 100 }),
  TERMINAL_PERSIST_BATCH_KB: integer({ min: 1, max: 16 * 1024, default: 256 }),
  UPLOAD_MAX_MB: integer({ min: 1, max: 1024 * 1024, default: 512 }),
  TERMINAL_SHELLS_FILE: z.preprocess(emptyToUndefined, z.string().default('/etc/shells')),
  TERMINAL_PASS_ENV: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((value) => value.split(',').map((name) => name.trim()).filter(Boolean))
      .refine((names) => names.every((name) => ENV_NAME.test(name)), {
        error: 'a comma-separated list of environment variable names, e.g. HTTP_PROXY,HTTPS_PROXY,NO_PROXY',
      })
      .default([]),
  ),
  TERMINAL_USER: terminalUser(),
  TERMINAL_HOST: z.preprocess(emptyToUndefined, z.enum(['auto', 'service', 'in-process']).default('auto')),
};

type TerminalsEnv = z.infer<z.ZodObject<typeof terminalsEnv>>;

/**
 * Where the PTYs live (docs/terminal-host.md): `auto` in a terminal host the server starts when none
 * runs, `service` in one run as a service of its own, `in-process` inside the server (they end with it).
 */
export type TerminalHostMode = 'auto' | 'service' | 'in-process';

export interface TerminalsConfig {
  host: TerminalHostMode;
  /** Running terminals at once; creating one more is refused. */
  maxSessions: number;
  /** A terminal with no client, no input and no output for this long is ended; 0 turns this off. */
  idleTimeoutMs: number;
  /** Largest single input message, in bytes (UTF-8 for text). */
  maxInputBytes: number;
  /** Recent output kept in memory per terminal (grown on demand up to this size). */
  ringBufferBytes: number;
  /** Output kept on disk per terminal; older segments are deleted. */
  retainedOutputBytes: number;
  /** Lines of scrollback above the screen that a snapshot on attach carries (older output loads on demand). */
  snapshotScrollbackLines: number;
  /** Time between SIGTERM/SIGHUP and SIGKILL when a terminal is killed. */
  killGraceMs: number;
  flow: {
    /** A client this many bytes behind pauses the PTY (and is sent no more until it acknowledges). */
    highWatermarkBytes: number;
    /** The PTY resumes once every counted client is at most this many bytes behind. */
    lowWatermarkBytes: number;
    /** A client holding the PTY paused without acknowledging anything for this long is dropped to resync. */
    stallTimeoutMs: number;
    /** While another terminal is being typed in, a terminal's output is held to this rate (0: never). */
    sharedOutputBytesPerSecond: number;
  };
  persist: {
    /** Output waits at most this long before it is written to disk. */
    intervalMs: number;
    /** Output is written as soon as this much is pending. */
    batchBytes: number;
  };
  /** Largest file uploaded into a terminal's directory (POST /api/terminals/:id/files). */
  uploadMaxBytes: number;
  /** The list of allowed login shells. */
  shellsFile: string;
  /** The part of the server environment shells inherit (see INHERITED_ENV_NAMES and TERMINAL_PASS_ENV). */
  baseEnv: Readonly<Record<string, string>>;
  /**
   * TERMINAL_USER: the account shells (and the server's git and file work in workspaces) run as when
   * it is not the server's own; null: the server's own account. `baseEnv` then has its HOME, USER, LOGNAME.
   */
  user: TerminalUser | null;
}

/** Builds the terminals section; `rawEnv` supplies the allow-listed variables shells inherit. */
export function buildTerminalsConfig(env: TerminalsEnv, rawEnv: Record<string, string | undefined>): TerminalsConfig {
  const baseEnv: Record<string, string> = {};
  const inherit = (name: string) => {
    const value = rawEnv[name];
    if (typeof value === 'string' && value !== '' && !value.includes('\0')) baseEnv[name] = value;
  };
  for (const name of INHERITED_ENV_NAMES) inherit(name);
  for (const name of Object.keys(rawEnv)) if (LOCALE_VARIABLE.test(name)) inherit(name);
  for (const name of env.TERMINAL_PASS_ENV) inherit(name);
  baseEnv.PATH ??= FALLBACK_PATH;
  if (env.TERMINAL_USER) {
    baseEnv.HOME = env.TERMINAL_USER.home;
    baseEnv.USER = env.TERMINAL_USER.name;
    baseEnv.LOGNAME = env.TERMINAL_USER.name;
  }

  const high = env.TERMINAL_FLOW_HIGH_WATERMARK_KB * 1024;
  // The ring must hold everything a counted client has not acknowledged plus the chunk in flight,
  // and the disk keeps at least what the ring keeps, so replays never find a hole.
  const ringBufferBytes = Math.max(env.TERMINAL_RING_BUFFER_KB * 1024, 2 * high + 128 * 1024);
  return {
    maxSessions: env.TERMINAL_MAX_SESSIONS,
    idleTimeoutMs: env.TERMINAL_IDLE_TIMEOUT_MINUTES * 60_000,
    maxInputBytes: env.TERMINAL_MAX_INPUT_BYTES,
    ringBufferBytes,
    retainedOutputBytes: Math.max(env.TERMINAL_RETAINED_OUTPUT_KB * 1024, ringBufferBytes),
    snapshotScrollbackLines: env.TERMINAL_SNAPSHOT_SCROLLBACK_LINES,
    killGraceMs: env.TERMINAL_KILL_GRACE_MS,
    flow: {
      highWatermarkBytes: high,
      lowWatermarkBytes: Math.min(env.TERMINAL_FLOW_LOW_WATERMARK_KB * 1024, Math.floor(high / 2)),
      stallTimeoutMs: env.TERMINAL_STALL_TIMEOUT_MS,
      sharedOutputBytesPerSecond: env.TERMINAL_SHARED_OUTPUT_KBPS * 1024,
    },
    persist: {
      intervalMs: env.TERMINAL_PERSIST_INTERVAL_MS,
      batchBytes: env.TERMINAL_PERSIST_BATCH_KB * 1024,
    },
    uploadMaxBytes: env.UPLOAD_MAX_MB * 1024 * 1024,
    shellsFile: env.TERMINAL_SHELLS_FILE,
    baseEnv,
    user: env.TERMINAL_USER,
    host: env.TERMINAL_HOST,
  };
}
