import type { Config } from '../../config/index.js';
import { badRequest } from '../../http/errors.js';
import type { Database } from '../../infra/database/client.js';
import { findShell, listAllowedShells } from '../terminals/context.js';
import { loadSettings, SETTINGS_ID } from './row.js';
import { storedPreferencesSchema, type SettingsPatch } from './schemas.js';
import { listShellChoices, matchingChoice } from './shell-choices.js';
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS, type ApprovalTimeoutAction } from '../../shared/attention.js';
import { DEFAULT_FONT_SIZE, DEFAULT_SCROLLBACK_LINES, THEMES, type Theme, type UserSettings } from '../../shared/settings.js';

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
    scrollbackLines: stored.scrollbackLines ?? DEFAULT_SCROLLBACK_LINES,
    defaultShell: stored.defaultShell ?? null,
    confirmLeave: stored.confirmLeave ?? true,
    approvalTimeoutSeconds: stored.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    approvalTimeoutAction: stored.approvalTimeoutAction ?? 'deny',
  };
}

/** What the approvals feature asks of the settings: how long a request waits, and what it gets then. */
export interface ApprovalPolicy {
  timeoutSeconds: number;
  timeoutAction: ApprovalTimeoutAction;
}

/** The owner's display, terminal and approval preferences, kept in the Settings row (theme + preferences JSON). */
export function createSettingsService({ db, config }: SettingsServiceDeps) {
  const allowedShells = () => listAllowedShells(config.terminals.shellsFile, config.terminals.baseEnv.PATH ?? '');
  /** What Settings offers: each allowed shell once, no restricted ones (see shell-choices.ts). */
  const shellChoices = async () => listShellChoices(await allowedShells());

  /** The settings, with a default shell stored under another name of a listed one (/usr/bin/bash) shown as listed. */
  async function read(): Promise<UserSettings> {
    const row = await loadSettings(db);
    const settings = toUserSettings(row.theme, parsePreferences(row.preferences));
    if (settings.defaultShell) settings.defaultShell = (await matchingChoice(settings.defaultShell, await shellChoices())) ?? settings.defaultShell;
    return settings;
  }

  /** Applies a validated patch; a default shell must be one of the choices (or the same program) and is stored as the listed path. */
  async function update(patch: SettingsPatch): Promise<UserSettings> {
    let defaultShell: string | null | undefined = patch.defaultShell;
    if (typeof defaultShell === 'string') {
      const choices = await shellChoices();
      const found = findShell(defaultShell, choices) ?? findShell(defaultShell, await allowedShells());
      const choice = found && (await matchingChoice(found, choices));
      if (!choice) {
        throw badRequest(
          'shell_not_allowed',
          `${defaultShell} is not a shell to choose here. Choose one of: ${choices.join(', ') || '(none)'} (from ${config.terminals.shellsFile}).`,
          { allowed: choices },
        );
      }
      defaultShell = choice;
    }
    const row = await loadSettings(db);
    const preferences = parsePreferences(row.preferences);
    if (patch.fontSize !== undefined) preferences.fontSize = patch.fontSize;
    if (patch.scrollbackLines !== undefined) preferences.scrollbackLines = patch.scrollbackLines;
    if (patch.confirmLeave !== undefined) preferences.confirmLeave = patch.confirmLeave;
    if (patch.approvalTimeoutSeconds !== undefined) preferences.approvalTimeoutSeconds = patch.approvalTimeoutSeconds;
    if (patch.approvalTimeoutAction !== undefined) preferences.approvalTimeoutAction = patch.approvalTimeoutAction;
    if (defaultShell === null) delete preferences.defaultShell;
    else if (defaultShell !== undefined) preferences.defaultShell = defaultShell;
    const updated = await db.settings.update({
      where: { id: row.id },
      data: { ...(patch.theme ? { theme: patch.theme } : {}), preferences: JSON.stringify(preferences) },
    });
    return toUserSettings(updated.theme, parsePreferences(updated.preferences));
  }

  /** The default shell as stored (the terminals check it against the allowed shells), or null; creates no row. */
  async function defaultShell(): Promise<string | null> {
    const row = await db.settings.findUnique({ where: { id: SETTINGS_ID }, select: { preferences: true } });
    return (row && storedPreferencesSchema.parse(parsePreferences(row.preferences)).defaultShell) || null;
  }

  /** The approval timeout and its action as stored (defaults otherwise); creates no row. */
  async function approvalPolicy(): Promise<ApprovalPolicy> {
    const row = await db.settings.findUnique({ where: { id: SETTINGS_ID }, select: { theme: true, preferences: true } });
    const settings = toUserSettings(row?.theme ?? 'system', row ? parsePreferences(row.preferences) : {});
    return { timeoutSeconds: settings.approvalTimeoutSeconds, timeoutAction: settings.approvalTimeoutAction };
  }

  return { read, update, allowedShells, shellChoices, defaultShell, approvalPolicy };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
