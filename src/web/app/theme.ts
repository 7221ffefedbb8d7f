// Themes are sets of CSS variables (styles.css) chosen by <html data-theme="…">. The server's
// settings are the truth; localStorage keeps the last one so a reload paints in the right colours.
// `system` is no set of its own: it resolves to light or dark as the device prefers, and follows it.
import { THEMES, type Theme } from '../../shared/settings.js';

export { THEMES, type Theme };
/** What a page is painted in. */
export type ResolvedTheme = Exclude<Theme, 'system'>;

export const THEME_LABELS: Record<Theme, string> = { system: 'System (as the device)', dark: 'Dark', light: 'Light', 'high-contrast': 'High contrast' };

const STORAGE_KEY = 'shellport.theme';
const PREFERS_LIGHT = '(prefers-color-scheme: light)';

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

/** The theme last used in this browser; before any, the device's. */
export function storedTheme(): Theme {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isTheme(saved)) return saved;
  } catch {
    // storage disabled
  }
  return 'system';
}

export function resolveTheme(theme: Theme): ResolvedTheme {
  if (theme !== 'system') return theme;
  return window.matchMedia?.(PREFERS_LIGHT).matches ? 'light' : 'dark';
}

let chosen: Theme = 'system';
const deviceThemeListeners = new Set<(theme: ResolvedTheme) => void>();

export function applyTheme(theme: Theme): void {
  chosen = theme;
  document.documentElement.dataset.theme = resolveTheme(theme);
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // storage disabled: the theme still applies for this page
  }
}

/** Calls `listener` when the page's colours change because the device switched while the theme is `system`. */
export function onDeviceThemeChange(listener: (theme: ResolvedTheme) => void): () => void {
  deviceThemeListeners.add(listener);
  return () => deviceThemeListeners.delete(listener);
}

window.matchMedia?.(PREFERS_LIGHT).addEventListener('change', () => {
  if (chosen !== 'system') return;
  applyTheme('system');
  for (const listener of deviceThemeListeners) listener(resolveTheme('system'));
});
