import { realpath } from 'node:fs/promises';
import path from 'node:path';

// Shells that are in /etc/shells for accounts, not for a terminal: restricted shells (no cd, no PATH
// changes) and the ones that refuse a login.
const NOT_FOR_TERMINALS = /^(r(bash|ksh\d*|zsh|sh)|rssh|nologin|false|true|git-shell|scponly)$/;

/** The same program under the same name: /bin/bash and /usr/bin/bash where /bin links to /usr/bin (not sh and dash). */
async function shellKey(shell: string): Promise<string> {
  return `${path.basename(shell)}\0${await realpath(shell).catch(() => shell)}`;
}

/**
 * The terminals' allowed shells as the owner chooses among them (issue 16): each program once, under
 * the name listed first (the shells file's order: /bin/bash before /usr/bin/bash), without restricted
 * shells or nologin. Terminals still accept every allowed path.
 */
export async function listShellChoices(allowed: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const choices: string[] = [];
  for (const shell of allowed) {
    if (NOT_FOR_TERMINALS.test(path.basename(shell))) continue;
    const key = await shellKey(shell);
    if (seen.has(key)) continue;
    seen.add(key);
    choices.push(shell);
  }
  return choices;
}

/** The choice that is the same program under the same name as `shell`, or null (a restricted shell, say). */
export async function matchingChoice(shell: string, choices: readonly string[]): Promise<string | null> {
  if (choices.includes(shell)) return shell;
  const key = await shellKey(shell);
  for (const choice of choices) if ((await shellKey(choice)) === key) return choice;
  return null;
}
