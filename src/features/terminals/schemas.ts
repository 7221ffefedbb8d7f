import { z } from 'zod';

export const MAX_DIMENSION = 1000;
const dimension = z.number().int().min(1).max(MAX_DIMENSION);
const sessionId = z.uuid({ error: 'a terminal id (UUID)' });
const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().trim().min(1).max(100);

export const createTerminalSchema = z.strictObject({
  workspaceId: z.string().min(1).max(100).nullish(),
  shell: z.string().min(1).max(4096).optional(),
  cols: dimension.optional(),
  rows: dimension.optional(),
  name: name.optional(),
  /** Start again in place of this ended terminal: its workspace, shell and last directory (manager.restart). */
  restartOf: sessionId.optional(),
  /** With restartOf: resume the agent conversation recorded for it. */
  resume: z.boolean().optional(),
}).refine((input) => !input.resume || input.restartOf !== undefined, { error: 'resume needs restartOf (the ended terminal whose conversation to resume)', path: ['resume'] });
export type CreateTerminalInput = z.infer<typeof createTerminalSchema>;

/** POST /api/terminals/start-again: every terminal ended by a reboot and not started again yet. */
export const startAgainBodySchema = z.strictObject({
  /** Only this workspace's terminals (null: those without one); all when left out. */
  workspaceId: z.string().min(1).max(100).nullish(),
  /** Resume the recorded agent conversations (the others start a shell). */
  resume: z.boolean().optional(),
  cols: dimension.optional(),
  rows: dimension.optional(),
});

export const attachSchema = z.strictObject({
  sessionId,
  /** The stream offset the client has everything up to; omitted or null: it has nothing. */
  lastSeq: offset.nullish(),
  cols: dimension.optional(),
  rows: dimension.optional(),
  /** The client takes `terminal:snapshot` (docs/protocol.md, "Snapshots"). */
  snapshot: z.boolean().optional(),
});

export const terminalRefSchema = z.strictObject({ sessionId });
/** terminal:ping carries nothing. */
export const pingSchema = z.strictObject({});

/** A client's name for itself in numbered input (docs/protocol.md, "Exactly-once input"). */
export const DEVICE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const inputSchema = z
  .strictObject({
    sessionId,
    data: z.union([z.string(), z.instanceof(Uint8Array)], { error: 'a string or binary data' }),
    device: z.string().regex(DEVICE_PATTERN, { error: '1 to 64 letters, digits, - or _' }).optional(),
    inputId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((input) => (input.device === undefined) === (input.inputId === undefined), { error: 'device and inputId come together', path: ['inputId'] });

export const resizeSchema = z.strictObject({ sessionId, cols: dimension, rows: dimension });

export const ackSchema = z.strictObject({ sessionId, seq: offset });

export const renameSchema = z.strictObject({ sessionId, name: name.nullable() });

export const listSchema = z
  .strictObject({
    workspaceId: z.string().min(1).max(100).optional(),
    status: z.enum(['active', 'terminated']).optional(),
  })
  .nullish()
  .transform((value) => value ?? {});
export type ListTerminalsFilter = z.output<typeof listSchema>;

// HTTP
export const terminalParamsSchema = z.object({ id: sessionId });
export const listQuerySchema = z.object({
  workspaceId: z.string().min(1).max(100).optional(),
  status: z.enum(['active', 'terminated']).optional(),
});
export const renameBodySchema = z.strictObject({ name: name.nullable() });
export const outputQuerySchema = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(16 * 1024 * 1024).default(1024 * 1024),
});

/** C0/C1 controls and DEL, and the Unicode bidirectional formatting characters (LRM/RLM, embeddings, overrides, isolates). */
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A plain file name in the shell's current directory: never a path. */
const fileName = z
  .string({ error: 'a file name' })
  .min(1, { error: 'a file name (it is empty)' })
  .refine((value) => !value.includes('/'), { error: 'a plain file name, without "/"' })
  .refine((value) => !value.includes('\0'), { error: 'a file name without a NUL character' })
  // Names are shown to the owner (toasts, ls): no escape sequences, line breaks or text-direction tricks.
  .refine((value) => !CONTROL_OR_BIDI.test(value), { error: 'a file name without control characters (escapes, line breaks) or text-direction marks' })
  .refine((value) => value !== '.' && value !== '..', { error: 'a file name, not "." or ".."' })
  .refine((value) => Buffer.byteLength(value, 'utf8') <= 255, { error: 'a file name of at most 255 bytes in UTF-8' });
export const uploadQuerySchema = z.object({
  name: fileName,
  overwrite: z.enum(['true', 'false'], { error: 'true or false' }).default('false').transform((value) => value === 'true'),
  /** `uploads`: into the repository's `.shellport/uploads`, under a name of its own, for a prompt (prompt-uploads.ts). */
  into: z.enum(['cwd', 'uploads'], { error: 'cwd or uploads' }).default('cwd'),
});
