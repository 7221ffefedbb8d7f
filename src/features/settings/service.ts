import type { Config } from '../../config/index.js';
import { badRequest } from '../../http/errors.js';
import type { Database } from '../../infra/database/client.js';
import { loadSettings } from '../github/access.js';
import { findShell, listAllowedShells } from '../terminals/context.js';
import { storedPreferencesSchema, type SettingsPatch } from './schemas.js';
import { DEFAULT_FONT_SIZE, THEMES, type Theme, type UserSettings } from './wire.js';

export interface SettingsServiceDeps {
  db: Database;
  config: Config;
}

function parsePreferences(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toUserSettings(theme: string, preferences: Record<string, unknown>): UserSettings {
  const stored = storedPreferencesSchema.parse(preferences);
  return {
    theme: (THEMES as readonly string[]).includes(theme) ? (theme as Theme) : 'system',
    fontSize: stored.fontSize ?? DEFAULT_FONT_SIZE,
    defaultShell: stored.defaultShell ?? null,
    confirmLeave: stored.confirmLeave ?? true,
  };
}

/** The owner's display and terminal preferences, kept in the Settings row (theme + preferences JSON). */
export function createSettingsService({ db, config }: SettingsServiceDeps) {
  const allowedShells = () => listAllowedShells(config.terminals.shellsFile, config.terminals.baseEnv.PATH ?? '');

  async function read(): Promise<UserSettings> {
    const row = await loadSettings(db);
    return toUserSettings(row.theme, parsePreferences(row.preferences));
  }

  /** Applies a validated patch; a default shell must be on the terminals' allow-list and is stored as its absolute path. */
  async function update(patch: SettingsPatch): Promise<UserSettings> {
    let defaultShell: string | null | undefined = patch.defaultShell;
    if (typeof defaultShell === 'string') {
      const allowed = await allowedShells();
      const found = findShell(defaultShell, allowed);
      if (!found) {
        throw badRequest(
          'shell_not_allowed',
          `${defaultShell} is not an allowed shell. Choose one of: ${allowed.join(', ') || '(none)'} (from ${config.terminals.shellsFile}).`,
          { allowed },
        );
      }
      defaultShell = found;
    }
    const row = await loadSettings(db);
    const preferences = parsePreferences(row.preferences);
    if (patch.fontSize !== undefined) preferences.fontSize = patch.fontSize;
    if (patch.confirmLeave !== undefined) preferences.confirmLeave = patch.confirmLeave;
    if (defaultShell === null) delete preferences.defaultShell;
    else if (defaultShell !== undefined) preferences.defaultShell = defaultShell;
    const updated = await db.settings.update({
      where: { id: row.id },
      data: { ...(patch.theme ? { theme: patch.theme } : {}), preferences: JSON.stringify(preferences) },
    });
    return toUserSettings(updated.theme, parsePreferences(updated.preferences));
  }

  return { read, update, allowedShells };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
