// Types of hook-settings.mjs (plain JavaScript, so that the `shellport` command needs no build).
export type InstallAgent = 'claude' | 'codex';
export const INSTALL_AGENTS: InstallAgent[];
export const MAX_APPROVAL_TIMEOUT_SECONDS: number;
export const APPROVAL_WAIT_MARGIN_SECONDS: number;
export const CLAUDE_HOOK_EVENTS: { event: string; timeout: number }[];
export function shellQuote(word: string): string;
export function hookCommand(wrapperPath: string, agent: string): string;
export function isShellportHookCommand(command: unknown, agent: string): boolean;
export function settingsFileFor(agent: InstallAgent, home: string, env?: Record<string, string | undefined>): string;
export interface HooksPlan {
  installed: boolean;
  afterInstall: string | null;
  afterUninstall: string | null;
  note: string | null;
  problem: string | null;
}
export function planHooks(agent: InstallAgent, text: string | null, wrapperPath: string): HooksPlan;
export function hooksView(
  agent: InstallAgent,
  settingsFile: string,
  text: string | null,
  wrapperPath: string,
): { agent: InstallAgent; settingsFile: string; installed: boolean; installChange: string | null; uninstallChange: string | null; note: string | null; problem: string | null };
