import type { ISearchDecorationOptions } from '@xterm/addon-search';
import type { ITheme } from '@xterm/xterm';

export type TerminalTheme = 'dark' | 'light' | 'high-contrast';

/** xterm.js colours for each app theme; the screen's own colours are in terminals.css. */
export const XTERM_THEMES: Record<TerminalTheme, ITheme> = {
  dark: {
    background: '#0d1117',
    foreground: '#c9d1d9',
    cursor: '#58a6ff',
    selectionBackground: '#264f78',
    black: '#484f58', red: '#ff7b72', green: '#3fb950', yellow: '#d29922', blue: '#58a6ff', magenta: '#bc8cff', cyan: '#39c5cf', white: '#b1bac4',
    brightBlack: '#6e7681', brightRed: '#ffa198', brightGreen: '#56d364', brightYellow: '#e3b341', brightBlue: '#79c0ff', brightMagenta: '#d2a8ff', brightCyan: '#56d4dd', brightWhite: '#f0f6fc',
  },
  light: {
    background: '#ffffff',
    foreground: '#1f2328',
    cursor: '#0969da',
    selectionBackground: '#add6ff',
    black: '#24292f', red: '#cf222e', green: '#116329', yellow: '#9a6700', blue: '#0969da', magenta: '#8250df', cyan: '#1b7c83', white: '#6e7781',
    brightBlack: '#57606a', brightRed: '#a40e26', brightGreen: '#1a7f37', brightYellow: '#bf8700', brightBlue: '#218bff', brightMagenta: '#a475f9', brightCyan: '#3192aa', brightWhite: '#8c959f',
  },
  'high-contrast': {
    background: '#000000',
    foreground: '#ffffff',
    cursor: '#ffff00',
    cursorAccent: '#000000',
    selectionBackground: '#ffffff',
    selectionForeground: '#000000',
    black: '#000000', red: '#ff6b6b', green: '#5dff5d', yellow: '#ffff55', blue: '#71b7ff', magenta: '#ff7bff', cyan: '#5dffff', white: '#ffffff',
    brightBlack: '#c0c0c0', brightRed: '#ff9c9c', brightGreen: '#a0ffa0', brightYellow: '#ffffa0', brightBlue: '#a8d4ff', brightMagenta: '#ffb0ff', brightCyan: '#a0ffff', brightWhite: '#ffffff',
  },
};

/**
 * Programs pick ANSI colours for a dark background (white, bright white, yellow); on the light
 * theme xterm darkens any that would read poorly (WCAG AA), on high contrast further still.
 */
export const MINIMUM_CONTRAST: Record<TerminalTheme, number> = { dark: 1, light: 4.5, 'high-contrast': 7 };

/** Search highlights: every match, and the current one stronger (the addon wants #RRGGBB). */
export const SEARCH_DECORATIONS: Record<TerminalTheme, ISearchDecorationOptions> = {
  dark: { matchBackground: '#5a4a12', matchOverviewRuler: '#d29922', activeMatchBackground: '#9e6a03', activeMatchColorOverviewRuler: '#f0b72f' },
  light: { matchBackground: '#fff1a8', matchOverviewRuler: '#bf8700', activeMatchBackground: '#ffc94d', activeMatchColorOverviewRuler: '#9a6700' },
  'high-contrast': {
    matchBorder: '#ffff00',
    matchOverviewRuler: '#ffff00',
    activeMatchBackground: '#0050ff',
    activeMatchBorder: '#ffffff',
    activeMatchColorOverviewRuler: '#ffffff',
  },
};
