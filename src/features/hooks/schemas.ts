import { z } from 'zod';
import { HOOK_AGENTS, HOOK_INSTALL_AGENTS } from '../../shared/attention.js';

/** POST /internal/terminal-hook (TerminalHookRequest): the payload is the agent's, passed on as it is. */
export const terminalHookBody = z
  .object({
    agent: z.enum(HOOK_AGENTS, { error: `one of ${HOOK_AGENTS.join(', ')}` }),
    event: z.string().min(1).max(100),
    payload: z.unknown(),
    askOwner: z.boolean().optional(),
  })
  .strict();
export type TerminalHookBody = z.infer<typeof terminalHookBody>;

export const hookInstallParams = z.object({
  agent: z.enum(HOOK_INSTALL_AGENTS, { error: `Shellport installs hooks for ${HOOK_INSTALL_AGENTS.join(' and ')}` }),
});
