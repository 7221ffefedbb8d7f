// What a run's agent is given for its MCP servers (src/features/runs/mcp.ts), without starting anything:
// Claude Code's --mcp-config document and Codex's -c overrides, whose secrets go by variable only.
import { describe, expect, it } from 'vitest';
import { claudeMcpConfig, codexMcpOverrides } from '../../../src/features/runs/mcp.js';
import type { McpServerLaunch } from '../../../src/features/settings/mcp-servers.js';

const stdio: McpServerLaunch = { name: 'tools', transport: 'stdio', command: 'node', args: ['s.mjs', 'a "b"'], url: null, env: [{ name: 'PLAIN', value: 'p', secret: false }, { name: 'TOKEN', value: 'sekrit', secret: true }], headers: [] };
const sse: McpServerLaunch = { name: 'events', transport: 'sse', command: null, args: [], url: 'https://x.test/sse', env: [], headers: [{ name: 'Authorization', value: 'Bearer sekrit', secret: true }] };
const http: McpServerLaunch = { ...sse, name: 'docs', transport: 'http', url: 'https://x.test/mcp' };

describe('MCP configuration of a run', () => {
  it('writes Claude Code\'s mcpServers document with every value', () => {
    expect(claudeMcpConfig([stdio, sse])).toEqual({
      mcpServers: {
        tools: { type: 'stdio', command: 'node', args: ['s.mjs', 'a "b"'], env: { PLAIN: 'p', TOKEN: 'sekrit' } },
        events: { type: 'sse', url: 'https://x.test/sse', headers: { Authorization: 'Bearer sekrit' } },
      },
    });
  });

  it('gives Codex -c overrides in TOML with secrets in the environment only', () => {
    const { args, env } = codexMcpOverrides([stdio, http]);
    expect(args).toEqual([
      '-c', 'mcp_servers.tools.command="node"',
      '-c', 'mcp_servers.tools.args=["s.mjs","a \\"b\\""]',
      '-c', 'mcp_servers.tools.env={ "PLAIN" = "p" }',
      '-c', 'mcp_servers.tools.env_vars=["TOKEN"]',
      '-c', 'mcp_servers.docs.url="https://x.test/mcp"',
      '-c', 'mcp_servers.docs.env_http_headers={ "Authorization" = "SHELLPORT_MCP_1_0" }',
    ]);
    expect(args.join(' ')).not.toContain('sekrit');
    expect(env).toEqual({ TOKEN: 'sekrit', SHELLPORT_MCP_1_0: 'Bearer sekrit' });
  });

  it('refuses two servers that would give Codex one secret variable two values', () => {
    const other = { ...stdio, name: 'other', env: [{ name: 'TOKEN', value: 'different', secret: true }] };
    expect(() => codexMcpOverrides([stdio, other])).toThrow(/TOKEN/);
  });

  it('refuses a Codex secret variable named like one Codex itself lives by', () => {
    for (const name of ['PATH', 'HOME', 'LD_PRELOAD', 'SHELLPORT_RUN_ID', 'CODEX_HOME', 'OPENAI_API_KEY']) {
      expect(() => codexMcpOverrides([{ ...stdio, env: [{ name, value: 'x', secret: true }] }])).toThrow(new RegExp(name));
    }
  });
});
