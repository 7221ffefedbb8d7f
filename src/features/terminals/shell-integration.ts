// Shell integration (issue 20): Shellport's bash and zsh shells emit OSC 133 marks (a command line ran,
// the command finished with its exit code, a prompt starts, the prompt ends) so that terminal-status.ts
// can tell "working" from "finished" and "failed", and the browser's local echo (issue 22) knows when
// the line editor reads the next line. Nothing is written for it (the terminal host and the server
// may have private /tmp directories, the shell may run as TERMINAL_USER). bash: only the environment,
// an exported function, PROMPT_COMMAND and PS0; bash then reads the owner's dotfiles as always, and a
// ~/.bashrc that adds to PROMPT_COMMAND (direnv, starship, bash-preexec, `history -a`) keeps ours.
// zsh imports no functions from its environment: its startup files in scripts/shell-integration/zsh
// (installed with Shellport, readable by every user) read the owner's and add precmd/preexec functions.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** scripts/shell-integration/zsh, the same relative location from src/ and dist/: zsh's startup files that read the owner's and add the marks. */
export const ZSH_INTEGRATION_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/shell-integration/zsh');

/** OSC 133 B (the prompt ends, the command line starts) as PS1 holds it: bash decodes `\e` and `\a`, and counts what is inside `\[ \]` zero wide. */
const BASH_PROMPT_END = '\\[\\e]133;B\\a\\]';

/**
 * Runs first at each prompt: takes `$?` before anything else and hands it back, so the owner's own
 * PROMPT_COMMAND sees it too. The D mark follows only a command line that ran (PS0 sets the flag; an
 * empty line prints no PS0), then the A mark. Then the B mark goes at the end of PS1, in `\[ \]` so
 * that readline counts it zero wide: readline prints it once PROMPT_COMMAND is over and it is drawing
 * the prompt, so whatever PROMPT_COMMAND runs after this (a passphrase asked by a hook) comes before B.
 * PS1 is set again at every prompt, so a PS1 the owner changes (in ~/.bashrc, at the prompt) gets the
 * mark back; the old one is taken out first, so PS1 never grows. A PROMPT_COMMAND that rewrites PS1
 * after ours (starship, some themes) drops the mark: then there is no B, which is safe (docs/local-echo.md).
 */
const PROMPT_FUNCTION = [
  '() {  local code=$?',
  '  if [ -n "${__shellport_ran-}" ]; then printf \'\\e]133;D;%s\\a\' "$code"; __shellport_ran=; fi',
  "  printf '\\e]133;A\\a'",
  `  if [ -n "\${PS1+set}" ]; then local __shellport_end='${BASH_PROMPT_END}'; PS1=\${PS1//"$__shellport_end"/}$__shellport_end; fi`,
  '  return $code',
  '}',
].join('\n');

/**
 * Printed by bash when a command line is about to run. The arithmetic in an unused array index sets
 * the flag in the shell itself (a command substitution would run in a subshell); it expands to nothing.
 */
const PS0 = '${__shellport_unused[__shellport_ran=1]}\\e]133;C\\a';

/**
 * `env` with the integration for the shell at `shell` (unchanged for shells without one). bash: the
 * variables above, which a workspace's own PROMPT_COMMAND or PS0 overrides. zsh: ZDOTDIR points at
 * Shellport's startup files, which read the owner's from their ZDOTDIR (kept in SHELLPORT_USER_ZDOTDIR)
 * or HOME and then hand ZDOTDIR back.
 */
export function withShellIntegration(shell: string, env: Record<string, string>, zshDir = ZSH_INTEGRATION_DIR): Record<string, string> {
  switch (path.basename(shell)) {
    case 'bash':
      return { 'BASH_FUNC___shellport_prompt%%': PROMPT_FUNCTION, PROMPT_COMMAND: '__shellport_prompt', PS0, ...env };
    case 'zsh': {
      const { ZDOTDIR: ownerDir, ...rest } = env;
      return { ...rest, ZDOTDIR: zshDir, ...(ownerDir ? { SHELLPORT_USER_ZDOTDIR: ownerDir } : {}) };
    }
    default:
      return env;
  }
}
