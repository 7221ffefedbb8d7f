import { z } from 'zod';

export const MAX_DIMENSION = 1000;
const dimension = z.number().int().min(1).max(MAX_DIMENSION);
const sessionId = z.uuid({ error: 'a terminal session id (UUID)' });
const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().trim().min(1).max(100);

export const createTerminalSchema = z.strictObject({
  workspaceId: z.string().min(1).max(100).nullish(),
  shell: z.string().min(1).max(4096).optional(),
  cols: dimension.optional(),
  rows: dimension.optional(),
  name: name.optional(),
});
export type CreateTerminalInput = z.infer<typeof createTerminalSchema>;

export const attachSchema = z.strictObject({
  sessionId,
  /** The stream offset the client has everything up to; omitted or null: it has nothing. */
  lastSeq: offset.nullish(),
  cols: dimension.optional(),
  rows: dimension.optional(),
});

export const sessionRefSchema = z.strictObject({ sessionId });

export const inputSchema = z.strictObject({
  sessionId,
  data: z.union([z.string(), z.instanceof(Uint8Array)], { error: 'a string or binary data' }),
});

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
});
