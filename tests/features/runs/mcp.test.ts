// MCP servers kept in Settings and given to agent runs (issue 21 §1, docs/runs.md "MCP servers"):
// the /api/mcp-servers routes (validation, secrets never returned, a secret kept when not resent) and a
// run with servers, its agent fake-claude.mjs recording its argv and its --mcp-config file — checked
// for exactly the ticked servers, 0600 in a 0700 directory removed after the attempt, and secrets in
// no process's command line (/proc/<pid>/cmdline), log or transcript.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createRunMcp } from '../../../src/features/runs/mcp.js';
import { processesWithMarker } from '../../../src/features/runs/runner.js';
import { createMcpServers } from '../../../src/features/settings/mcp-servers.js';
import type { McpServerView } from '../../../src/shared/mcp.js';
import type { RunView } from '../../../src/shared/runs.js';
import { buildTestApp, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';

const FAKE_CLAUDE = path.resolve(import.meta.dirname, 'fake-claude.mjs');
const SECRET_ENV = 'sv-env-secret-9f31c2';
const SECRET_HEADER = 'Bearer sv-header-secret-77ab01';

interface Harness {
  t: TestApp;
  gates: string;
  api: (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => Promise<{ statusCode: number; json: () => any; body: string }>;
}

async function setUp(): Promise<Harness> {
  const t = await buildTestApp({ HOME: makeTempDir('mcp-runs-home-'), PATH: process.env.PATH ?? '/usr/bin:/bin', RUNS_CLAUDE_PATH: FAKE_CLAUDE });
  const cookie = await signInAsOwner(t.app);
  const origin = new URL(t.config.server.publicUrl);
  const api: Harness['api'] = async (method, url, payload) => {
    const response = await t.app.inject({ method, url, headers: { cookie, origin: origin.origin, host: origin.host }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { statusCode: response.statusCode, json: () => response.json(), body: response.body };
  };
  return { t, gates: makeTempDir('mcp-gates-'), api };
}

async function addWorkspace(h: Harness): Promise<string> {
  const dir = path.join(h.t.config.workspaces.rootDir, 'owner', 'repo');
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const row = await h.t.app.db.workspace.create({ data: { name: 'owner/repo', cloneUrl: 'https://github.com/owner/repo.git', localPath: dir, cloneState: 'ready' } });
  return row.id;
}

const stdioServer = { name: 'tools', transport: 'stdio', command: process.execPath, args: ['server.mjs', '--flag'], env: [{ name: 'PLAIN', value: 'visible' }, { name: 'TOKEN', value: SECRET_ENV, secret: true }] };
const httpServer = { name: 'docs-search', transport: 'http', url: 'https://mcp.example.test/mcp', headers: [{ name: 'Authorization', value: SECRET_HEADER, secret: true }, { name: 'X-Client', value: 'shellport' }] };

async function addServer(h: Harness, body: unknown): Promise<McpServerView> {
  const response = await h.api('POST', '/api/mcp-servers', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().server as McpServerView;
}

async function waitForStatus(h: Harness, id: string, statuses: string[]): Promise<RunView> {
  return vi.waitFor(
    async () => {
      const run = (await h.api('GET', `/api/runs/${id}`)).json().run as RunView;
      if (!statuses.includes(run.status)) throw new Error(`run ${id} is ${run.status} (${run.error ?? ''}), waiting for ${statuses.join('|')}`);
      return run;
    },
    { timeout: 30_000, interval: 50 },
  );
}

const readCmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

describe('MCP servers in Settings', () => {
  it('adds, lists, edits and removes servers; secrets are stored encrypted, shown as set and kept when not sent again', async () => {
    const h = await setUp();
    const created = await addServer(h, stdioServer);
    expect(created).toMatchObject({ name: 'tools', transport: 'stdio', command: process.execPath, args: ['server.mjs', '--flag'], url: null, headers: [] });
    expect(created.env).toEqual([
      { name: 'PLAIN', value: 'visible', secret: false, set: true },
      { name: 'TOKEN', value: null, secret: true, set: true },
    ]);
    const http = await addServer(h, httpServer);
    expect(http.headers).toEqual([
      { name: 'Authorization', value: null, secret: true, set: true },
      { name: 'X-Client', value: 'shellport', secret: false, set: true },
    ]);
    const listed = await h.api('GET', '/api/mcp-servers');
    expect(listed.json().servers.map((server: McpServerView) => server.name)).toEqual(['docs-search', 'tools']);
    expect(listed.body).not.toContain(SECRET_ENV);
    expect(listed.body).not.toContain('sv-header-secret');

    // In the database: ciphertext only.
    const rows = await h.t.app.db.mcpServerValue.findMany();
    expect(JSON.stringify(rows)).not.toContain(SECRET_ENV);
    expect(rows.find((row) => row.name === 'TOKEN')?.secretValue).toMatch(/^v1:/);

    // Editing without the secret's value keeps it; a changed plain value is saved.
    const edited = await h.api('PUT', `/api/mcp-servers/${created.id}`, { ...stdioServer, env: [{ name: 'PLAIN', value: 'changed' }, { name: 'TOKEN', secret: true }] });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().server.env).toEqual([
      { name: 'PLAIN', value: 'changed', secret: false, set: true },
      { name: 'TOKEN', value: null, secret: true, set: true },
    ]);
    const launch = await h.t.app.db.mcpServerValue.findFirst({ where: { name: 'TOKEN' } });
    expect(h.t.app.vault.decrypt(launch!.secretValue!)).toBe(SECRET_ENV);
    // A new secret without a value has nothing to keep.
    const missing = await h.api('PUT', `/api/mcp-servers/${created.id}`, { ...stdioServer, env: [{ name: 'OTHER', secret: true }] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('mcp_secret_missing');

    expect((await h.api('DELETE', `/api/mcp-servers/${http.id}`)).statusCode).toBe(204);
    expect((await h.api('DELETE', `/api/mcp-servers/${http.id}`)).statusCode).toBe(404);
    expect((await h.api('GET', '/api/mcp-servers')).json().servers).toHaveLength(1);
  });

  it('refuses bad input with a 4xx that names the problem', async () => {
    const h = await setUp();
    const refused = async (body: unknown, status = 400) => {
      const response = await h.api('POST', '/api/mcp-servers', body);
      expect(response.statusCode, response.body).toBe(status);
      return response.body;
    };
    expect(await refused({ ...stdioServer, name: 'has space' })).toContain('identifier');
    expect(await refused({ ...stdioServer, name: '1tools' })).toContain('identifier');
    expect(await refused({ ...stdioServer, command: './server' })).toContain('absolute path');
    expect(await refused({ ...stdioServer, command: '-e' })).toContain('absolute path');
    expect(await refused({ ...stdioServer, command: 'no-such-command-shellport' })).toContain('mcp_command_not_found');
    expect(await refused({ ...stdioServer, command: '/nonexistent/bin/server' })).toContain('not an executable file');
    expect(await refused({ ...stdioServer, args: ['a\0b'] })).toContain('NUL');
    expect(await refused({ ...stdioServer, args: Array.from({ length: 65 }, () => 'x') })).toContain('at most 64 arguments');
    expect(await refused({ ...stdioServer, env: [{ name: 'A', value: 'x'.repeat(8193) }] })).toContain('8192');
    expect(await refused({ ...stdioServer, env: [{ name: 'BAD-NAME', value: 'x' }] })).toContain('variable name');
    expect(await refused({ ...stdioServer, env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] })).toContain('named once');
    expect(await refused({ name: 'x', transport: 'stdio' })).toContain('needs a command');
    expect(await refused({ ...httpServer, url: 'file:///etc/passwd' })).toContain('http://');
    expect(await refused({ ...httpServer, headers: [{ name: 'X', value: 'a\r\nInjected: 1' }] })).toContain('one line');
    expect(await refused({ ...httpServer, command: 'node' })).toContain('not a command');
    expect(await refused({ ...stdioServer, transport: 'websocket' })).toContain('transport');
    await addServer(h, stdioServer);
    expect(await refused(stdioServer, 409)).toContain('mcp_server_exists');
  });
});

describe('agent runs with MCP servers', () => {
  it('passes Claude Code exactly the ticked servers in a 0600 file removed after the attempt; secrets in no argv, log or transcript; follow-ups reuse them', async () => {
    const h = await setUp();
    const workspaceId = await addWorkspace(h);
    await addServer(h, stdioServer);
    await addServer(h, httpServer);
    await addServer(h, { name: 'unticked', transport: 'stdio', command: 'node' });

    const gate = path.join(h.gates, 'go');
    const response = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, {
      prompt: `record seen.json; wait ${gate}`,
      agent: 'claude',
      model: 'claude-sonnet-4-5',
      permissionMode: 'acceptEdits',
      worktree: false,
      mcpServers: ['tools', 'docs-search'],
    });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json().run as RunView;
    expect(created.mcpServers).toEqual(['tools', 'docs-search']);

    // While it runs (held at the gate): every process of the run's command line.
    await waitForStatus(h, created.id, ['running']);
    const workspaceDir = (await h.t.app.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } })).localPath;
    const seenFile = path.join(workspaceDir, 'seen.json');
    await vi.waitFor(() => expect(existsSync(seenFile)).toBe(true), { timeout: 15_000, interval: 50 });
    const commandLines = processesWithMarker(`SHELLPORT_RUN_ID=${created.id}`).map(readCmdline);
    expect(commandLines.some((line) => line.includes('--mcp-config'))).toBe(true);
    writeFileSync(gate, '');
    const run = await waitForStatus(h, created.id, ['succeeded', 'failed']);
    expect(run.status, run.error ?? '').toBe('succeeded');

    const seen = JSON.parse(readFileSync(seenFile, 'utf8')) as { argv: string[]; mcp: { path: string; mode: number; dirMode: number; content: unknown } };
    expect(seen.argv).toContain('--strict-mcp-config');
    expect(seen.argv[seen.argv.indexOf('--mcp-config') + 1]).toBe(seen.mcp.path);
    expect(seen.mcp.mode).toBe(0o600);
    expect(seen.mcp.dirMode).toBe(0o700);
    expect(seen.mcp.content).toEqual({
      mcpServers: {
        tools: { type: 'stdio', command: process.execPath, args: ['server.mjs', '--flag'], env: { PLAIN: 'visible', TOKEN: SECRET_ENV } },
        'docs-search': { type: 'http', url: 'https://mcp.example.test/mcp', headers: { Authorization: SECRET_HEADER, 'X-Client': 'shellport' } },
      },
    });
    // In a directory named by this server and the run (what a crash leaves is found again), removed with it once the attempt ended.
    expect(path.basename(path.dirname(seen.mcp.path))).toMatch(new RegExp(`^shellport-mcp-[0-9a-f]{12}-${created.id}-`));
    expect(existsSync(seen.mcp.path)).toBe(false);
    expect(existsSync(path.dirname(seen.mcp.path))).toBe(false);

    // Secrets: in no command line, log line, transcript or run view.
    for (const secret of [SECRET_ENV, 'sv-header-secret']) {
      expect(seen.argv.join(' ')).not.toContain(secret);
      expect(commandLines.filter((line) => line.includes(secret))).toEqual([]);
      expect(JSON.stringify(h.t.logLines())).not.toContain(secret);
      expect((await h.api('GET', `/api/runs/${run.id}/events`)).body).not.toContain(secret);
      expect((await h.api('GET', `/api/runs/${run.id}`)).body).not.toContain(secret);
    }

    // A follow-up gets the same servers.
    const followUp = await h.api('POST', `/api/runs/${run.id}/continue`, { prompt: 'record again.json' });
    expect(followUp.statusCode, followUp.body).toBe(201);
    const next = await waitForStatus(h, (followUp.json().run as RunView).id, ['succeeded', 'failed']);
    expect(next).toMatchObject({ status: 'succeeded', mcpServers: ['tools', 'docs-search'] });
    const again = JSON.parse(readFileSync(path.join(workspaceDir, 'again.json'), 'utf8')) as { mcp: { content: { mcpServers: Record<string, unknown> } } };
    expect(Object.keys(again.mcp.content.mcpServers)).toEqual(['tools', 'docs-search']);

    // Without servers: no MCP options at all (the agent's own configuration applies).
    const plain = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, { prompt: 'record none.json', agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'acceptEdits', worktree: false });
    expect((await waitForStatus(h, (plain.json().run as RunView).id, ['succeeded', 'failed'])).status).toBe('succeeded');
    const none = JSON.parse(readFileSync(path.join(workspaceDir, 'none.json'), 'utf8')) as { argv: string[]; mcp: unknown };
    expect(none.mcp).toBeNull();
    expect(none.argv).not.toContain('--strict-mcp-config');
  });

  it('removes the MCP files attempts left behind: a taken-over run\'s, and at start every run\'s no server follows — only this server\'s', async () => {
    const h = await setUp();
    const tmpDir = makeTempDir('mcp-tmp-');
    const servers = createMcpServers({ db: h.t.app.db, vault: h.t.app.vault, path: process.env.PATH ?? '' });
    const mcp = createRunMcp({ servers, tmpDir, dataDir: h.t.config.storage.dataDir });
    const other = createRunMcp({ servers, tmpDir, dataDir: makeTempDir('other-data-') });
    await addServer(h, stdioServer);
    const [kept, taken, crashed] = [randomUUID(), randomUUID(), randomUUID()];
    const files = async (run: string, of = mcp) => {
      const attempt = await of.prepare('claude', ['tools'], null, run);
      const args = attempt.args(['-p', '--', 'prompt']);
      return args[args.indexOf('--mcp-config') + 1]!;
    };
    const keptFile = await files(kept);
    const takenFile = await files(taken);
    const crashedFile = await files(crashed);
    const othersFile = await files(crashed, other);
    writeFileSync(path.join(tmpDir, 'shellport-mcp-unrelated'), '');

    expect(await mcp.removeLeftovers({ runId: taken })).toBe(1);
    expect([keptFile, takenFile, crashedFile, othersFile].map(existsSync)).toEqual([true, false, true, true]);
    expect(await mcp.removeLeftovers({ keep: new Set([kept]) })).toBe(1);
    expect([keptFile, crashedFile, othersFile].map(existsSync)).toEqual([true, false, true]);
    expect(existsSync(path.join(tmpDir, 'shellport-mcp-unrelated'))).toBe(true);
  });

  it('refuses a server not in Settings, and SSE for Codex; a run whose server was removed fails saying so', async () => {
    const h = await setUp();
    const workspaceId = await addWorkspace(h);
    const body = (extra: Record<string, unknown>) => ({ prompt: 'record x.json', agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'acceptEdits', worktree: false, ...extra });
    const unknown = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, body({ mcpServers: ['nope'] }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('mcp_server_unknown');
    expect((await h.api('POST', `/api/workspaces/${workspaceId}/runs`, body({ mcpServers: ['bad name'] }))).statusCode).toBe(400);

    await addServer(h, { name: 'events', transport: 'sse', url: 'https://mcp.example.test/sse' });
    const codex = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, body({ agent: 'codex', model: 'gpt-5', mcpServers: ['events'] }));
    expect(codex.statusCode).toBe(400);
    expect(codex.json().error.code).toBe('mcp_transport_not_supported');

    // Removed between the run and its follow-up: the follow-up fails with words, no agent started.
    const server = await addServer(h, stdioServer);
    const first = await waitForStatus(h, (await h.api('POST', `/api/workspaces/${workspaceId}/runs`, body({ mcpServers: ['tools'] }))).json().run.id, ['succeeded', 'failed']);
    expect(first.status, first.error ?? '').toBe('succeeded');
    expect((await h.api('DELETE', `/api/mcp-servers/${server.id}`)).statusCode).toBe(204);
    const followUp = await h.api('POST', `/api/runs/${first.id}/continue`, { prompt: 'record y.json' });
    const failed = await waitForStatus(h, (followUp.json().run as RunView).id, ['succeeded', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('The MCP server tools is no longer in Settings');
  });
});
