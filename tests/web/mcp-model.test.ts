// Settings → MCP servers without the DOM (src/web/screens/mcp-model.ts): a form becomes a request whose
// empty secret keeps the stored one, and secrets read as set, never shown.
import { describe, expect, it } from 'vitest';
import type { McpServerView } from '../../src/shared/mcp.js';
import { describeMcpTarget, describeMcpValue, formOfServer, inputOfForm } from '../../src/web/screens/mcp-model.js';

const server: McpServerView = {
  id: 'id-1',
  name: 'tools',
  transport: 'stdio',
  command: 'node',
  args: ['server.mjs', '--verbose'],
  url: null,
  env: [
    { name: 'PLAIN', value: 'v', secret: false, set: true },
    { name: 'TOKEN', value: null, secret: true, set: true },
  ],
  headers: [],
  updatedAt: '2026-12-07T00:00:00.000Z',
};

describe('MCP server form', () => {
  it('round-trips a server: an untouched secret is sent without a value (kept), a typed one with it', () => {
    const form = formOfServer(server);
    expect(form).toMatchObject({ name: 'tools', transport: 'stdio', command: 'node', args: 'server.mjs\n--verbose' });
    expect(form.values).toEqual([
      { name: 'PLAIN', value: 'v', secret: false, stored: false },
      { name: 'TOKEN', value: '', secret: true, stored: true },
    ]);
    expect(inputOfForm(form)).toEqual({ name: 'tools', transport: 'stdio', command: 'node', args: ['server.mjs', '--verbose'], env: [{ name: 'PLAIN', value: 'v' }, { name: 'TOKEN', secret: true }] });
    form.values[1]!.value = 'new-secret';
    form.values.push({ name: ' ', value: 'ignored', secret: false, stored: false });
    expect(inputOfForm(form).env).toEqual([{ name: 'PLAIN', value: 'v' }, { name: 'TOKEN', value: 'new-secret', secret: true }]);
  });

  it('sends headers and a URL for an HTTP server, and words secrets as set', () => {
    const http: McpServerView = { ...server, transport: 'http', command: null, args: [], url: 'https://mcp.example.test/', env: [], headers: [{ name: 'Authorization', value: null, secret: true, set: true }] };
    expect(inputOfForm(formOfServer(http))).toEqual({ name: 'tools', transport: 'http', url: 'https://mcp.example.test/', headers: [{ name: 'Authorization', secret: true }] });
    expect(describeMcpValue(http.headers[0]!)).toBe('Authorization=•••• (secret, set)');
    expect(describeMcpValue(server.env[0]!)).toBe('PLAIN=v');
    expect(describeMcpTarget(http)).toBe('http https://mcp.example.test/');
    expect(describeMcpTarget(server)).toBe('node server.mjs --verbose');
  });
});
