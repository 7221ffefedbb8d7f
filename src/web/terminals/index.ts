// Public entry of the terminals screen; the app's router mounts it (see docs/protocol.md for the wire side).
import '@xterm/xterm/css/xterm.css';
import './terminals.css';
import type { WorkspaceNames } from './elsewhere.js';
import { TerminalsScreen } from './screen.js';
import type { TerminalTheme } from './theme.js';
import { createWebSocketTransport, type TerminalTransport } from './transport.js';

export type { TerminalTheme } from './theme.js';

export interface MountTerminalsOptions {
  workspaceId: string | null;
  /** Open (or focus) this terminal. */
  terminalId?: string;
  fontSize: number;
  theme: TerminalTheme;
  /** Whether leaving the page while a shell runs asks first (the owner's setting; default true). */
  confirmLeave?: boolean;
  /** Lines each terminal keeps above the screen (the owner's setting). */
  scrollbackLines?: number;
  /** Called when the owner changes the font size on the terminal screen (A−, A+ or a pinch), to keep it for this device. */
  onFontSizeChange?: (fontSize: number) => void;
  /** Names of workspaces: the home screen (workspaceId null) lists those with terminals running. */
  workspaceNames?: WorkspaceNames;
  /** Buttons of the host's own for the toolbar (the Ports button). */
  toolbarItems?: HTMLElement[];
  /** Another transport with the same events (defaults to the plain WebSocket at /ws/terminals). */
  transport?: TerminalTransport;
}

export interface TerminalsHandle {
  dispose(): void;
  setTheme(theme: TerminalTheme): void;
  setFontSize(fontSize: number): void;
  setConfirmLeave(confirm: boolean): void;
  setScrollbackLines(lines: number): void;
  /** Shows the workspace's name in the toolbar and the page title. */
  setPlace(name: string): void;
}

/** Renders the terminals of a workspace (null: the home directory) into `container`. */
export function mountTerminals(container: HTMLElement, options: MountTerminalsOptions): TerminalsHandle {
  const transport = options.transport ?? createWebSocketTransport();
  const screen = new TerminalsScreen(container, transport, options);
  return {
    dispose() {
      screen.dispose();
      if (!options.transport) transport.close();
    },
    setTheme: (theme) => screen.setTheme(theme),
    setFontSize: (size) => screen.setFontSize(size),
    setConfirmLeave: (confirm) => screen.setConfirmLeave(confirm),
    setScrollbackLines: (lines) => screen.setScrollbackLines(lines),
    setPlace: (name) => screen.setPlace(name),
  };
}
