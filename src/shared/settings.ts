// The shapes and limits of /api/settings (docs/api.md), shared by the server and the web app: this
// module imports nothing, so the browser bundle can take it as it is.

/** `system` follows the device's light or dark preference (the default). */
export const THEMES = ['system', 'dark', 'light', 'high-contrast'] as const;
export type Theme = (typeof THEMES)[number];

export const MIN_FONT_SIZE = 8;
export const MAX_FONT_SIZE = 32;
export const DEFAULT_FONT_SIZE = 14;
/** Lines a terminal keeps above the screen in the browser (search covers them; a replay fills them). */
export const MIN_SCROLLBACK_LINES = 1000;
export const MAX_SCROLLBACK_LINES = 100_000;
export const DEFAULT_SCROLLBACK_LINES = 10_000;

export interface UserSettings {
  theme: Theme;
  fontSize: number;
  /** Lines each terminal keeps in the browser above the screen. */
  scrollbackLines: number;
  /** An absolute path from `shells`, or null for the default (bash). */
  defaultShell: string | null;
  /**
   * Whether leaving a page while a shell runs asks first (the default). Chromium gives Ctrl+W to the
   * browser, which closes the tab, where a shell would delete a word; the terminals keep running either way.
   */
  confirmLeave: boolean;
  /**
   * How long an agent's permission request waits for an answer in Shellport (issue 20), from
   * MIN_APPROVAL_TIMEOUT_SECONDS to MAX_APPROVAL_TIMEOUT_SECONDS (src/shared/attention.ts).
   */
  approvalTimeoutSeconds: number;
  /** What an unanswered request gets then (APPROVAL_TIMEOUT_ACTIONS): denied (the default), or handed back to the agent's own prompt in the terminal. */
  approvalTimeoutAction: 'deny' | 'ask-in-terminal';
}

/** GET and PATCH /api/settings. */
export interface SettingsResponse {
  settings: UserSettings;
  /** The shells to choose a default from (absolute paths): each once, no restricted shells. Terminals accept every allowed path. */
  shells: string[];
}
