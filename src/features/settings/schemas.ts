import { z } from 'zod';

export const THEMES = ['dark', 'light', 'high-contrast'] as const;
export type Theme = (typeof THEMES)[number];

export const MIN_FONT_SIZE = 8;
export const MAX_FONT_SIZE = 32;
export const DEFAULT_FONT_SIZE = 14;

/** PATCH /api/settings: any subset; `defaultShell: null` goes back to bash. */
export const settingsPatchSchema = z
  .object({
    theme: z.enum(THEMES, { error: 'dark, light or high-contrast' }).optional(),
    fontSize: z.number().int().min(MIN_FONT_SIZE).max(MAX_FONT_SIZE).optional(),
    defaultShell: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .regex(/^[\w./+-]+$/, { error: 'a shell name such as zsh, or an absolute path such as /usr/bin/zsh' })
      .nullable()
      .optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** What is kept in Settings.preferences (JSON text); unknown keys written by others are preserved. */
export const storedPreferencesSchema = z
  .object({
    fontSize: z.number().int().min(MIN_FONT_SIZE).max(MAX_FONT_SIZE).optional().catch(undefined),
    defaultShell: z.string().optional().catch(undefined),
  })
  .loose();

export interface UserSettings {
  theme: Theme;
  fontSize: number;
  /** An absolute path from the terminals' shell allow-list, or null for the default (bash). */
  defaultShell: string | null;
}
