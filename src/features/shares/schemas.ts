import { z } from 'zod';
import { DEFAULT_SHARE_EXPIRY, SHARE_EXPIRIES, SHARE_LABEL_MAX, type ShareExpiry } from '../../shared/shares.js';

export const createShareBody = z.strictObject({
  expiresIn: z.enum(Object.keys(SHARE_EXPIRIES) as [ShareExpiry, ...ShareExpiry[]]).default(DEFAULT_SHARE_EXPIRY),
  label: z.string().trim().max(SHARE_LABEL_MAX).optional(),
});

export const terminalParams = z.strictObject({ id: z.uuid({ error: 'a terminal id (UUID)' }) });
export const shareIdParams = z.strictObject({ id: z.uuid({ error: 'a share id (UUID)' }) });
/** Any text: a wrong token is answered like an unknown one (and counted as a guess), never as a validation error. */
export const tokenParams = z.strictObject({ token: z.string().max(200) });
