import type { HookAgent } from '../../shared/attention.js';
import type { HookEventMeaning } from './hook-events.js';

export interface AgentInfo {
  name: HookAgent;
  /** What the agent was last asked to do (its last prompt, one line), or null. */
  task: string | null;
}

/** Which agent runs in each terminal, and its task, as its hooks said; in memory, forgotten when the terminal ends. */
export function createAgentTracker() {
  const agents = new Map<string, AgentInfo>();
  return {
    note(sessionId: string, agent: HookAgent, meaning: HookEventMeaning): void {
      if (meaning.agentEnded) {
        agents.delete(sessionId);
        return;
      }
      const current = agents.get(sessionId);
      const task = meaning.task !== undefined ? meaning.task : current?.name === agent ? current.task : null;
      agents.set(sessionId, { name: agent, task });
    },
    agentFor(sessionId: string): AgentInfo | null {
      const info = agents.get(sessionId);
      return info ? { ...info } : null;
    },
    forget(sessionId: string): void {
      agents.delete(sessionId);
    },
  };
}

export type AgentTracker = ReturnType<typeof createAgentTracker>;
