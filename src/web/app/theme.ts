// Themes are sets of CSS variables (styles.css) chosen by <html data-theme="…">. The server's
// settings are the truth; localStorage keeps the last one so a reload paints in the right colours.
import { THEMES, type Theme } from '../../features/settings/wire.js';

export { THEMES, type Theme };
export const THEME_LABELS: Record<Theme, string> = { dark: 'Dark', light: 'Light', 'high-contrast': 'High contrast' };

const STORAGE_KEY = 'shellport.theme';

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

export function storedTheme(): Theme {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isTheme(saved)) return saved;
  } catch {
    // storage disabled
  }
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // storage disabled: the theme still applies for this page
  }
}
