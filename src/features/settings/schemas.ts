import { z } from 'zod';
import { APPROVAL_TIMEOUT_ACTIONS, MAX_APPROVAL_TIMEOUT_SECONDS, MIN_APPROVAL_TIMEOUT_SECONDS } from '../../shared/attention.js';
import { MAX_FONT_SIZE, MAX_SCROLLBACK_LINES, MIN_FONT_SIZE, MIN_SCROLLBACK_LINES, THEMES } from '../../shared/settings.js';

const approvalTimeoutSeconds = z.number().int().min(MIN_APPROVAL_TIMEOUT_SECONDS).max(MAX_APPROVAL_TIMEOUT_SECONDS);
const approvalTimeoutAction = z.enum(APPROVAL_TIMEOUT_ACTIONS, { error: 'deny or ask-in-terminal' });

/** PATCH /api/settings: any subset; `defaultShell: null` goes back to bash. */
export const settingsPatchSchema = z
  .object({
    theme: z.enum(THEMES, { error: 'system, dark, light or high-contrast' }).optional(),
    fontSize: z.number().int().min(MIN_FONT_SIZE).max(MAX_FONT_SIZE).optional(),
    scrollbackLines: z.number().int().min(MIN_SCROLLBACK_LINES).max(MAX_SCROLLBACK_LINES).optional(),
    defaultShell: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .regex(/^[\w./+-]+$/, { error: 'a shell name such as zsh, or an absolute path such as /usr/bin/zsh' })
      .nullable()
      .optional(),
    confirmLeave: z.boolean().optional(),
    approvalTimeoutSeconds: approvalTimeoutSeconds.optional(),
    approvalTimeoutAction: approvalTimeoutAction.optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** What is kept in Settings.preferences (JSON text); unknown keys written by others are preserved. */
export const storedPreferencesSchema = z
  .object({
    fontSize: z.number().int().min(MIN_FONT_SIZE).max(MAX_FONT_SIZE).optional().catch(undefined),
    scrollbackLines: z.number().int().min(MIN_SCROLLBACK_LINES).max(MAX_SCROLLBACK_LINES).optional().catch(undefined),
    defaultShell: z.string().optional().catch(undefined),
    confirmLeave: z.boolean().optional().catch(undefined),
    approvalTimeoutSeconds: approvalTimeoutSeconds.optional().catch(undefined),
    approvalTimeoutAction: approvalTimeoutAction.optional().catch(undefined),
  })
  .loose();
