// MCP servers with the real agent CLIs (tests/tools, tests/helpers/agent-clis.ts), offline:
// - Claude Code against the fake Anthropic API, given a tiny stdio MCP server written here (Node,
//   newline-delimited JSON-RPC: initialize, tools/list, tools/call) through Settings and a run; the
//   scripted model calls its tool and the tool's result is in the transcript.
// - Codex reading the `-c mcp_servers.…` overrides a run would pass (`codex mcp list --json`): the
//   servers it sees, with the secrets named by variable only.
// Processes lane: each test starts an agent CLI.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { codexMcpOverrides } from '../../../src/features/runs/mcp.js';
import type { McpServerLaunch } from '../../../src/features/settings/mcp-servers.js';
import type { RunEventView, RunView } from '../../../src/shared/runs.js';
import { claudeBinary, codexBinary } from '../../helpers/agent-clis.js';
import { buildTestApp, makeTempDir, signInAsOwner } from '../../helpers/app.js';
import { offersTool, startFakeModelApi, textOf, toolResultsIn, type FakeModelApi } from '../../helpers/fake-model-api.js';

const MODEL = 'claude-sonnet-4-5';
const SECRET = 'mcp-secret-token-5d21e0';
const TOOL = 'mcp__tools__echo';
const fakes: FakeModelApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** An MCP server over stdio (https://modelcontextprotocol.io/specification, "Lifecycle", "Tools"): one tool, `echo`. */
const MCP_SERVER = `
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\\n');
// Proves the secret variable arrived without printing it: the first 12 hex of its SHA-256.
const digest = createHash('sha256').update(process.env.TOKEN ?? '').digest('hex').slice(0, 12);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  if (message.id === undefined) continue;
  if (message.method === 'initialize') {
    send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'test-tools', version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    send({ id: message.id, result: { tools: [{ name: 'echo', description: 'Echoes its text back.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }] } });
  } else if (message.method === 'tools/call') {
    send({ id: message.id, result: { content: [{ type: 'text', text: 'echo:' + message.params.arguments.text + ':' + process.env.PLAIN + ':' + digest }] } });
  } else {
    send({ id: message.id, error: { code: -32601, message: 'Method not found' } });
  }
}
`;

describe('MCP servers with the real agent CLIs', () => {
  it('Claude Code starts the run\'s stdio MCP server and calls its tool; the result is in the transcript', { timeout: 90_000 }, async () => {
    const fake = await startFakeModelApi((request) => {
      if (!offersTool(request, TOOL)) return { text: 'ok' };
      return toolResultsIn(request).length > 0 ? { text: 'the tool answered' } : { toolUse: { name: TOOL, input: { text: 'hello' } } };
    });
    fakes.push(fake);
    const home = makeTempDir('mcp-agents-home-');
    mkdirSync(path.join(home, 'tmp'));
    const serverFile = path.join(makeTempDir('mcp-server-'), 'server.mjs');
    writeFileSync(serverFile, MCP_SERVER);
    const t = await buildTestApp({
      HOME: home,
      TMPDIR: path.join(home, 'tmp'),
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TERMINAL_PASS_ENV: 'DISABLE_TELEMETRY,DISABLE_ERROR_REPORTING,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      RUNS_ANTHROPIC_BASE_URL: fake.url,
      RUNS_ANTHROPIC_API_KEY: 'test-key',
      RUNS_CLAUDE_PATH: claudeBinary(),
    });
    const cookie = await signInAsOwner(t.app);
    const origin = new URL(t.config.server.publicUrl);
    const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const response = await t.app.inject({ method, url, headers: { cookie, origin: origin.origin, host: origin.host }, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { statusCode: response.statusCode, json: () => response.json(), body: response.body };
    };
    const dir = path.join(t.config.workspaces.rootDir, 'owner', 'repo');
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '-q', dir]);
    const workspace = await t.app.db.workspace.create({ data: { name: 'owner/repo', cloneUrl: 'https://github.com/owner/repo.git', localPath: dir, cloneState: 'ready' } });

    const added = await api('POST', '/api/mcp-servers', { name: 'tools', transport: 'stdio', command: process.execPath, args: [serverFile], env: [{ name: 'PLAIN', value: 'plain-value' }, { name: 'TOKEN', value: SECRET, secret: true }] });
    expect(added.statusCode, added.body).toBe(201);
    const created = await api('POST', `/api/workspaces/${workspace.id}/runs`, { prompt: 'echo hello with the tool', agent: 'claude', model: MODEL, permissionMode: 'default', worktree: false, allowedTools: [TOOL], mcpServers: ['tools'] });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json().run as RunView).id;
    const run = await vi.waitFor(
      async () => {
        const current = (await api('GET', `/api/runs/${id}`)).json().run as RunView;
        if (!['succeeded', 'failed'].includes(current.status)) throw new Error(`run is ${current.status}`);
        return current;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.mcpServers).toEqual(['tools']);

    const digest = createHash('sha256').update(SECRET).digest('hex').slice(0, 12);
    const expected = `echo:hello:plain-value:${digest}`;
    expect(toolResultsIn(fake.messages.at(-1)!).map((block) => textOf(block.content))).toEqual([expected]);
    const eventsBody = (await api('GET', `/api/runs/${id}/events`)).body;
    const events = JSON.parse(eventsBody).events as RunEventView[];
    expect(events.find((event) => event.type === 'tool-use')!.payload).toMatchObject({ name: TOOL, input: { text: 'hello' } });
    expect(events.find((event) => event.type === 'tool-result')!.payload).toMatchObject({ isError: false });
    expect(JSON.stringify(events.find((event) => event.type === 'tool-result')!.payload.content)).toContain(expected);
    expect(events.find((event) => event.type === 'text')!.payload.text).toBe('the tool answered');
    expect(eventsBody).not.toContain(SECRET);
    expect(JSON.stringify(t.logLines())).not.toContain(SECRET);
    expect(fake.unexpectedRequests).toEqual([]);
  });

  it('Codex reads the run\'s -c mcp_servers overrides: stdio and streamable HTTP, secrets only as variable names', { timeout: 60_000 }, async () => {
    const servers: McpServerLaunch[] = [
      { name: 'tools', transport: 'stdio', command: process.execPath, args: ['server.mjs', 'a b'], url: null, env: [{ name: 'PLAIN', value: 'v', secret: false }, { name: 'TOKEN', value: SECRET, secret: true }], headers: [] },
      { name: 'docs', transport: 'http', command: null, args: [], url: 'https://mcp.example.test/mcp', env: [], headers: [{ name: 'X-Client', value: 'shellport', secret: false }, { name: 'Authorization', value: `Bearer ${SECRET}`, secret: true }] },
    ];
    const { args, env } = codexMcpOverrides(servers);
    expect(args.join(' ')).not.toContain(SECRET);
    expect(env).toEqual({ TOKEN: SECRET, SHELLPORT_MCP_1_0: `Bearer ${SECRET}` });
    const home = makeTempDir('mcp-codex-home-');
    const output = execFileSync(codexBinary(), ['mcp', 'list', '--json', ...args], { env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' });
    const listed = JSON.parse(output) as Array<{ name: string; transport: Record<string, unknown> }>;
    expect(listed.find((server) => server.name === 'tools')!.transport).toMatchObject({ type: 'stdio', command: process.execPath, args: ['server.mjs', 'a b'], env: { PLAIN: 'v' }, env_vars: ['TOKEN'] });
    expect(listed.find((server) => server.name === 'docs')!.transport).toMatchObject({
      type: 'streamable_http',
      url: 'https://mcp.example.test/mcp',
      http_headers: { 'X-Client': 'shellport' },
      env_http_headers: { Authorization: 'SHELLPORT_MCP_1_0' },
    });
    expect(output).not.toContain(SECRET);
  });
});
