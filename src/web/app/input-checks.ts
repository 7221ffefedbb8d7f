// Checks the browser makes before sending a form, with the limits the server's schemas use (the wire
// modules), so that a mistake is explained next to the field instead of after a refused request. The
// server still validates everything. Imports only wire modules, so the unit tests can run it.
import { MAX_FONT_SIZE, MAX_SCROLLBACK_LINES, MIN_FONT_SIZE, MIN_SCROLLBACK_LINES } from '../../shared/settings.js';
import { ENV_NAME_PATTERN, ENV_NAME_RULE, isReservedEnvName, RESERVED_ENV_NAME_RULE } from '../../shared/workspaces.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** The terminal font size typed in a number box (its `value`: "" when empty or not a number). */
export function checkFontSize(text: string): Checked<number> {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < MIN_FONT_SIZE || value > MAX_FONT_SIZE) {
    return { ok: false, message: `Font size must be a whole number between ${MIN_FONT_SIZE} and ${MAX_FONT_SIZE}.` };
  }
  return { ok: true, value };
}

/** The scrollback typed in a number box: whole lines, within the server's limits. */
export function checkScrollbackLines(text: string): Checked<number> {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < MIN_SCROLLBACK_LINES || value > MAX_SCROLLBACK_LINES) {
    return { ok: false, message: `Scrollback must be a whole number of lines between ${MIN_SCROLLBACK_LINES.toLocaleString('en')} and ${MAX_SCROLLBACK_LINES.toLocaleString('en')}.` };
  }
  return { ok: true, value };
}

const ENV_NAME = new RegExp(`^${ENV_NAME_PATTERN}$`);

/** A workspace environment variable's name. */
export function checkEnvName(text: string): Checked<string> {
  if (text === '') return { ok: false, message: 'Enter a name for the variable.' };
  if (!ENV_NAME.test(text)) return { ok: false, message: `A name may use ${ENV_NAME_RULE}: for example API_KEY.` };
  if (isReservedEnvName(text)) return { ok: false, message: `Choose another name: ${RESERVED_ENV_NAME_RULE} for Shellport itself.` };
  return { ok: true, value: text };
}

/** scp-like (`git@github.com:octocat/x.git`) or `ssh://` URLs, as GitHub's "Code" button offers them. */
const SSH_URL = /^(?:ssh:\/\/)?(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,}|localhost)(?::\d+)?[:/](?!\/)([^\s?#]+?)\/?$/i;

/**
 * A git URL to clone. The server clones over https only (it has no SSH key): an SSH URL is answered
 * with the https URL of the same repository, which the message offers to use.
 */
export function checkCloneUrl(text: string): Checked<string> & { suggestion?: string } {
  const url = text.trim();
  if (url === '') return { ok: false, message: "Enter the repository's https:// URL." };
  if (/^https?:\/\//i.test(url)) return { ok: true, value: url };
  const ssh = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('ssh://') ? null : SSH_URL.exec(url);
  if (ssh) {
    const suggestion = `https://${ssh[1]}/${ssh[2]!.replace(/^\/+/, '')}`;
    return { ok: false, message: `SSH URLs cannot be cloned here: Shellport clones over https. The same repository: ${suggestion}`, suggestion };
  }
  return { ok: false, message: 'Only https:// git URLs can be cloned, for example https://github.com/octocat/hello-world.git.' };
}
