import type { Theme } from './theme.js';
import type { Me, UserSettings } from './types.js';

/** What every screen gets from the shell. */
export interface ScreenContext {
  /** Path parameters, e.g. { workspaceId } for /terminals/:workspaceId. */
  params: Record<string, string>;
  query: URLSearchParams;
  me: Me | null;
  settings: UserSettings;
  navigate(path: string, options?: { replace?: boolean }): void;
  /** Saves settings on the server and applies them (theme, open terminals). */
  updateSettings(
    patch: Partial<Pick<UserSettings, 'theme' | 'fontSize' | 'scrollbackLines' | 'confirmLeave' | 'approvalTimeoutSeconds' | 'approvalTimeoutAction'>> & { defaultShell?: string | null },
  ): Promise<UserSettings>;
  /** Listens for settings changes (theme, font size, leave prompt) until the screen is disposed. */
  onSettingsChange(listener: (settings: UserSettings) => void): void;
  /** Runs when the screen goes away. */
  onDispose(cleanup: () => void): void;
  /** Announces and refreshes the signed-in identity (after GitHub reconnect etc.). */
  refreshMe(): Promise<Me | null>;
  /** Tells the navigation's Approvals badge how many requests wait (a screen that just listed them). */
  setPendingApprovals(count: number): void;
}

export interface Screen {
  /** Document title part and the page heading. */
  title: string;
  /** Screens without the header/nav (sign-in). */
  bare?: boolean;
  /** Full-bleed main area (terminals). */
  fullBleed?: boolean;
  /** Renders into `main`; may keep updating it until disposed. */
  render(main: HTMLElement, context: ScreenContext): void | Promise<void>;
}

export type { Theme };
