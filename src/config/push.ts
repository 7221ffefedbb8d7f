import { z } from 'zod';
import { emptyToUndefined } from './env.js';

export const pushEnv = {
  PUSH_SUBJECT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .refine((value) => /^mailto:[^\s@]+@[^\s@]+$/i.test(value) || isHttpsUrl(value), {
        error: 'a mailto: address or an https:// URL where push services can reach the operator, such as mailto:you@example.com',
      })
      .optional(),
  ),
};

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

export interface PushConfig {
  /**
   * The VAPID `sub` (RFC 8292): how a push service reaches whoever runs this server. PUSH_SUBJECT, else
   * PUBLIC_URL when it is https (and not loopback), else `mailto:shellport@localhost` (Apple's push service refuses that one).
   */
  subject: string;
}

export function buildPushConfig(env: z.infer<z.ZodObject<typeof pushEnv>>, publicUrl: string): PushConfig {
  if (env.PUSH_SUBJECT) return { subject: env.PUSH_SUBJECT };
  const url = new URL(publicUrl);
  // A push service cannot reach the operator at a loopback URL (web-push warns about one on every push).
  const isLocal = url.hostname === 'localhost' || url.hostname.endsWith('.localhost') || /^(127\.|\[::1\]$)/.test(url.hostname);
  return { subject: url.protocol === 'https:' && !isLocal ? url.origin : 'mailto:shellport@localhost' };
}
