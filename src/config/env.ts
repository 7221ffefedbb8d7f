import { z } from 'zod';

/** Environment values arrive as strings; an empty one (`FOO=` in a .env file) means "not set". */
export function optionalString() {
  return z.preprocess(emptyToUndefined, z.string().optional());
}

export function emptyToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

export function integer(options: { min: number; max: number; default: number }) {
  return z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `a whole number from ${options.min} to ${options.max}` })
      .int({ error: `a whole number from ${options.min} to ${options.max}` })
      .min(options.min, { error: `a whole number from ${options.min} to ${options.max}` })
      .max(options.max, { error: `a whole number from ${options.min} to ${options.max}` })
      .default(options.default),
  );
}

export function boolean(defaultValue: boolean) {
  return z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'true or false' })
      .default(defaultValue ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  );
}

export function httpUrl() {
  return z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  );
}
