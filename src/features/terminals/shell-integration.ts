// Shell integration (issue 20): Shellport's bash and zsh shells emit OSC 133 marks (a command line ran,
// the command finished with its exit code, a prompt starts) so that terminal-status.ts can tell
// "working" from "finished" and "failed". Nothing is written for it (the terminal host and the server
// may have private /tmp directories, the shell may run as TERMINAL_USER). bash: only the environment,
// an exported function, PROMPT_COMMAND and PS0; bash then reads the owner's dotfiles as always, a
// ~/.bashrc that adds to PROMPT_COMMAND (direnv, starship, bash-preexec, `history -a`) keeps ours,
// and PS1 is not touched. zsh imports no functions from its environment: its startup files in
// scripts/shell-integration/zsh (installed with Shellport, readable by every user) read the owner's
// and add precmd/preexec functions.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** scripts/shell-integration/zsh, the same relative location from src/ and dist/: zsh's startup files that read the owner's and add the marks. */
export const ZSH_INTEGRATION_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/shell-integration/zsh');

/**
 * Runs first at each prompt: takes `$?` before anything else and hands it back, so the owner's own
 * PROMPT_COMMAND sees it too. The D mark follows only a command line that ran (PS0 sets the flag; an
 * empty line prints no PS0), then the A mark.
 */
const PROMPT_FUNCTION =
  "() {  local code=$?; if [ -n \"${__shellport_ran-}\" ]; then printf '\\e]133;D;%s\\a' \"$code\"; __shellport_ran=; fi; printf '\\e]133;A\\a'; return $code\n}";

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
