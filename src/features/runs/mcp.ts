// MCP servers given to one attempt of a run (issue 21 §1, docs/runs.md "MCP servers"): exactly the
// servers the run names, from the list kept in Settings (src/features/settings/mcp-servers.ts).
// - Claude Code: `--strict-mcp-config --mcp-config <file>`, the file JSON written 0600 in a directory
//   of its own (0700, owned by the account the run works as) and removed when the attempt ends.
//   https://docs.anthropic.com/en/docs/claude-code/mcp
// - Codex: `-c mcp_servers.<name>.…` overrides; secrets go through the environment, never argv:
//   a secret variable of a stdio server is set in Codex's environment and named in `env_vars` (Codex
//   forwards it under its own name), a secret header is read from a variable by `env_http_headers`.
//   Codex speaks stdio and streamable HTTP, not SSE. https://developers.openai.com/codex/mcp
import { createHash } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, badRequest } from '../../http/errors.js';
import { MCP_LIMITS } from '../../shared/mcp.js';
import type { RunAgent } from '../../shared/runs.js';
import type { McpServerLaunch, McpServers } from '../settings/mcp-servers.js';
import { withClaudeOptions } from './agents.js';

/** What one attempt gets: arguments added to the agent's, variables added to its environment, and a clean-up. */
export interface McpAttempt {
  args(base: readonly string[]): string[];
  env: Record<string, string>;
  /** Removes what was written for the attempt (idempotent). */
  dispose(): Promise<void>;
}

export interface RunMcp {
  /** Throws a 400 for a name not in Settings, or a server the agent cannot take. */
  ensureUsable(agent: RunAgent, names: readonly string[]): Promise<void>;
  prepare(agent: RunAgent, names: readonly string[], owner: { uid: number; gid: number } | null, runId: string): Promise<McpAttempt>;
  /**
   * Removes what attempts wrote and never removed: a run's (its attempt was taken over by a new server,
   * which has no `dispose`), or, with `keep`, every run's but those it names (a crash left them).
   */
  removeLeftovers(filter: { runId: string } | { keep: ReadonlySet<string> }): Promise<number>;
}

/** `shellport-mcp-<instance>-<run id>-<random>`: the instance (a digest of DATA_DIR) keeps two servers sharing /tmp apart. */
const dirPrefix = (instance: string) => `shellport-mcp-${instance}-`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const NOTHING: McpAttempt = { args: (base) => [...base], env: {}, dispose: async () => {} };

/** Claude Code's `--mcp-config` document for `servers`. */
export function claudeMcpConfig(servers: readonly McpServerLaunch[]): { mcpServers: Record<string, Record<string, unknown>> } {
  const mcpServers: Record<string, Record<string, unknown>> = {};
  const object = (values: McpServerLaunch['env']) => Object.fromEntries(values.map((value) => [value.name, value.value]));
  for (const server of servers) {
    mcpServers[server.name] =
      server.transport === 'stdio'
        ? { type: 'stdio', command: server.command, args: server.args, env: object(server.env) }
        : { type: server.transport, url: server.url, headers: object(server.headers) };
  }
  return { mcpServers };
}

/** A TOML value: JSON strings and arrays of strings are TOML too; a table is written inline with quoted keys. */
const toml = (value: string | readonly string[] | Record<string, string>): string => {
  if (typeof value === 'string' || Array.isArray(value)) return JSON.stringify(value);
  return `{ ${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)} = ${JSON.stringify(item)}`)
    .join(', ')} }`;
};

/** Variables a secret of a Codex run's MCP server may not be named: Codex's own environment carries it. */
const RESERVED_VARIABLE = /^(PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|LANG|TERM|LD_.*|SHELLPORT_.*|CODEX_.*|OPENAI_.*|RUST_.*)$/;

/** Codex's `-c` overrides for `servers`, and the variables that carry their secrets. */
export function codexMcpOverrides(servers: readonly McpServerLaunch[]): { args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  const env: Record<string, string> = {};
  const set = (server: string, key: string, value: Parameters<typeof toml>[0]) => args.push('-c', `mcp_servers.${server}.${key}=${toml(value)}`);
  servers.forEach((server, index) => {
    if (server.transport === 'stdio') {
      set(server.name, 'command', server.command ?? '');
      set(server.name, 'args', server.args);
      const plain = server.env.filter((value) => !value.secret);
      const secret = server.env.filter((value) => value.secret);
      if (plain.length > 0) set(server.name, 'env', Object.fromEntries(plain.map((value) => [value.name, value.value])));
      if (secret.length > 0) {
        for (const value of secret) {
          // In Codex's own environment: a name it or the run lives by would change more than the server.
          if (RESERVED_VARIABLE.test(value.name)) {
            throw badRequest('mcp_secret_conflict', `The secret variable ${value.name} of the MCP server ${server.name} would replace one Codex itself needs; for Codex runs, give it another name.`);
          }
          // Codex forwards a variable under its own name, so two servers cannot get different values of one.
          if (env[value.name] !== undefined && env[value.name] !== value.value) {
            throw badRequest('mcp_secret_conflict', `Two MCP servers of this run have a secret variable ${value.name} with different values; Codex can pass only one. Rename one of them.`);
          }
          env[value.name] = value.value;
        }
        set(server.name, 'env_vars', secret.map((value) => value.name));
      }
    } else {
      set(server.name, 'url', server.url ?? '');
      const plain = server.headers.filter((value) => !value.secret);
      const secret = server.headers.filter((value) => value.secret);
      if (plain.length > 0) set(server.name, 'http_headers', Object.fromEntries(plain.map((value) => [value.name, value.value])));
      if (secret.length > 0) {
        const names: Record<string, string> = {};
        secret.forEach((value, position) => {
          const variable = `SHELLPORT_MCP_${index}_${position}`;
          names[value.name] = variable;
          env[variable] = value.value;
        });
        set(server.name, 'env_http_headers', names);
      }
    }
  });
  return { args, env };
}

export function createRunMcp({ servers, tmpDir = os.tmpdir(), dataDir }: { servers: McpServers; tmpDir?: string; dataDir: string }): RunMcp {
  const prefix = dirPrefix(createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12));
  return {
    async ensureUsable(agent, names) {
      if (names.length === 0) return;
      if (names.length > MCP_LIMITS.perRun) throw badRequest('too_many_mcp_servers', `A run takes at most ${MCP_LIMITS.perRun} MCP servers.`);
      await servers.ensureExist(names);
      if (agent === 'codex') {
        const sse = (await servers.transports(names)).find((server) => server.transport === 'sse');
        if (sse) throw badRequest('mcp_transport_not_supported', `Codex speaks to MCP servers over stdio or streamable HTTP, not SSE (${sse.name}).`);
      }
    },

    async removeLeftovers(filter) {
      let entries: string[];
      try {
        entries = await readdir(tmpDir);
      } catch {
        return 0;
      }
      let removed = 0;
      for (const entry of entries) {
        if (!entry.startsWith(prefix)) continue;
        const runId = entry.slice(prefix.length, prefix.length + 36);
        if (!UUID.test(runId) || entry[prefix.length + 36] !== '-') continue;
        if ('runId' in filter ? runId !== filter.runId : filter.keep.has(runId)) continue;
        await rm(path.join(tmpDir, entry), { recursive: true, force: true });
        removed += 1;
      }
      return removed;
    },

    async prepare(agent, names, owner, runId) {
      if (names.length === 0) return NOTHING;
      const launch = await servers.forLaunch(names);
      if (agent === 'codex') {
        if (launch.some((server) => server.transport === 'sse')) throw new AppError(400, 'mcp_transport_not_supported', 'Codex speaks to MCP servers over stdio or streamable HTTP, not SSE.');
        const { args, env } = codexMcpOverrides(launch);
        // After `exec`: the overrides are options of the subcommand, before `resume` and the prompt.
        return { args: (base) => [base[0] ?? 'exec', ...args, ...base.slice(1)], env, dispose: async () => {} };
      }
      // A directory only the run's account may enter, holding a file only it may read.
      // Named by the run, so that what a crash or a restart left behind can be found and removed.
      const dir = await mkdtemp(path.join(tmpDir, `${prefix}${runId}-`));
      const file = path.join(dir, 'mcp.json');
      try {
        await writeFile(file, JSON.stringify(claudeMcpConfig(launch)), { mode: 0o600, flag: 'wx' });
        await chmod(dir, 0o700);
        if (owner) {
          await chown(dir, owner.uid, owner.gid);
          await chown(file, owner.uid, owner.gid);
        }
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      return {
        args: (base) => withClaudeOptions(base, ['--strict-mcp-config', '--mcp-config', file]),
        env: {},
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
  };
}
