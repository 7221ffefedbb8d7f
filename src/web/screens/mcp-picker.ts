// New run → MCP servers: a box per server kept in Settings (mcp-settings.ts); the run gets exactly the
// ticked ones (docs/runs.md "MCP servers").
import './mcp.css';
import { api, describeError } from '../app/api.js';
import { h } from '../app/dom.js';
import type { McpServerView } from '../../shared/mcp.js';
import type { RunAgent } from '../../shared/runs.js';

export interface McpPicker {
  element: HTMLElement;
  /** The names ticked, in the list's order. */
  chosen(): string[];
  /** Codex speaks no SSE: such servers are not offered to it. */
  setAgent(agent: RunAgent): void;
}

export function mcpPicker(): McpPicker {
  const boxes = h('div', { class: 'mcp-picks' }, h('span', { class: 'muted' }, 'Loading…'));
  const element = h('fieldset', { class: 'mcp-picker' }, h('legend', {}, 'MCP servers'), boxes, h('p', { class: 'hint' }, 'None ticked: the agent uses its own configuration. The list is kept in ', h('a', { href: '/settings' }, 'Settings'), '.'));
  let servers: McpServerView[] = [];
  let agent: RunAgent = 'claude';
  const inputs = new Map<string, HTMLInputElement>();
  const render = () => {
    inputs.clear();
    if (servers.length === 0) {
      boxes.replaceChildren(h('span', { class: 'muted' }, 'No MCP server in Settings yet.'));
      return;
    }
    boxes.replaceChildren(
      ...servers.map((server) => {
        const input = h('input', { type: 'checkbox', name: 'mcpServer', value: server.name, disabled: agent === 'codex' && server.transport === 'sse' });
        inputs.set(server.name, input);
        return h('label', { class: 'checkbox' }, input, ` ${server.name}`, h('span', { class: 'muted' }, ` (${server.transport})`));
      }),
    );
  };
  api<{ servers: McpServerView[] }>('/api/mcp-servers').then(
    (body) => {
      servers = body.servers;
      render();
    },
    (error: unknown) => boxes.replaceChildren(h('span', { class: 'error-text' }, describeError(error))),
  );
  return {
    element,
    chosen: () => [...inputs.entries()].filter(([, input]) => input.checked && !input.disabled).map(([name]) => name),
    setAgent(next) {
      agent = next;
      for (const server of servers) {
        const input = inputs.get(server.name);
        if (input) input.disabled = agent === 'codex' && server.transport === 'sse';
      }
    },
  };
}
