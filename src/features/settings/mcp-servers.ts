// The MCP servers kept in Settings for agent runs (issue 21 §1, docs/runs.md "MCP servers"). Secret
// environment values and headers are stored as vault ciphertext in mcp_server_values and never leave
// through the API: a view says a secret is `set`, and saving a secret without a value keeps it.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { McpServer, McpServerValue } from '../../generated/prisma/client.js';
import { AppError, badRequest, conflict, notFound } from '../../http/errors.js';
import type { Database } from '../../infra/database/client.js';
import type { Vault } from '../../infra/vault.js';
import { MCP_LIMITS, MCP_NAME_PATTERN, MCP_TRANSPORTS, type McpServerView, type McpTransport, type McpValueView } from '../../shared/mcp.js';

const withoutNul = <T extends z.ZodString>(schema: T, what: string) => schema.refine((text) => !text.includes('\0'), { error: `${what} must not contain NUL characters` });

const serverName = z
  .string()
  .trim()
  .max(MCP_LIMITS.nameChars, { error: `a server name has at most ${MCP_LIMITS.nameChars} characters` })
  .regex(MCP_NAME_PATTERN, { error: 'a server name is an identifier: a letter, then letters, digits, "_" or "-" (such as github or docs_search)' });

// An absolute path, or a bare name looked up on the run's PATH; never an option or a relative path.
const command = withoutNul(z.string().trim().min(1, { error: 'a stdio server needs a command' }).max(MCP_LIMITS.commandChars), 'the command').refine(
  (text) => path.isAbsolute(text) || /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/.test(text),
  { error: 'the command is an absolute path (/usr/bin/node) or a bare name found on the PATH (npx)' },
);

const arg = withoutNul(z.string().max(MCP_LIMITS.argChars, { error: `an argument has at most ${MCP_LIMITS.argChars} characters` }), 'an argument');

const url = withoutNul(z.string().trim().max(MCP_LIMITS.urlChars), 'the URL').refine(
  (text) => {
    try {
      const parsed = new URL(text);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: 'the URL is an http:// or https:// address' },
);

const valueText = withoutNul(z.string().max(MCP_LIMITS.valueChars, { error: `a value has at most ${MCP_LIMITS.valueChars} characters` }), 'a value');

const envValue = z.strictObject({
  name: z.string().trim().max(MCP_LIMITS.valueNameChars).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'a variable name such as API_TOKEN' }),
  value: valueText.nullable().optional(),
  secret: z.boolean().optional(),
});

const headerValue = z.strictObject({
  name: z.string().trim().max(MCP_LIMITS.valueNameChars).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'a header name such as Authorization' }),
  value: valueText.refine((text) => !/[\r\n]/.test(text), { error: 'a header value is one line' }).nullable().optional(),
  secret: z.boolean().optional(),
});

const uniqueNames = (values: Array<{ name: string }>) => new Set(values.map((item) => item.name)).size === values.length;

/** POST and PUT /api/mcp-servers. */
export const mcpServerBody = z
  .strictObject({
    name: serverName,
    transport: z.enum(MCP_TRANSPORTS, { error: `the transport is one of ${MCP_TRANSPORTS.join(', ')}` }),
    command: command.optional(),
    args: z.array(arg).max(MCP_LIMITS.args, { error: `at most ${MCP_LIMITS.args} arguments` }).optional(),
    url: url.optional(),
    env: z.array(envValue).max(MCP_LIMITS.values, { error: `at most ${MCP_LIMITS.values} variables` }).refine(uniqueNames, { error: 'each variable is named once' }).optional(),
    headers: z.array(headerValue).max(MCP_LIMITS.values, { error: `at most ${MCP_LIMITS.values} headers` }).refine(uniqueNames, { error: 'each header is named once' }).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.transport === 'stdio') {
      if (body.command === undefined) ctx.addIssue({ code: 'custom', path: ['command'], message: 'a stdio server needs a command' });
      if (body.url !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'a stdio server has a command, not a URL' });
      if (body.headers?.length) ctx.addIssue({ code: 'custom', path: ['headers'], message: 'a stdio server has environment variables, not headers' });
    } else {
      if (body.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: `an ${body.transport} server needs a URL` });
      if (body.command !== undefined || body.args?.length) ctx.addIssue({ code: 'custom', path: ['command'], message: `an ${body.transport} server has a URL, not a command` });
      if (body.env?.length) ctx.addIssue({ code: 'custom', path: ['env'], message: `an ${body.transport} server has headers, not environment variables` });
    }
  });
export type McpServerBody = z.infer<typeof mcpServerBody>;

export const mcpServerIdParams = z.object({ id: z.uuid({ error: 'an MCP server id (a UUID)' }) });

type ServerRow = McpServer & { values: McpServerValue[] };

const parseArgs = (text: string): string[] => {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
};

const viewOfValue = (row: McpServerValue): McpValueView => ({ name: row.name, value: row.isSecret ? null : row.value, secret: row.isSecret, set: row.isSecret ? row.secretValue !== null : true });

function viewOfServer(row: ServerRow): McpServerView {
  const byName = (a: McpServerValue, b: McpServerValue) => a.name.localeCompare(b.name);
  return {
    id: row.id,
    name: row.name,
    transport: row.transport as McpTransport,
    command: row.command,
    args: parseArgs(row.args),
    url: row.url,
    env: row.values.filter((value) => value.kind === 'env').sort(byName).map(viewOfValue),
    headers: row.values.filter((value) => value.kind === 'header').sort(byName).map(viewOfValue),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A server as a run's agent gets it: every value in clear (only ever written to the agent's config or environment). */
export interface McpServerLaunch {
  name: string;
  transport: McpTransport;
  command: string | null;
  args: string[];
  url: string | null;
  env: Array<{ name: string; value: string; secret: boolean }>;
  headers: Array<{ name: string; value: string; secret: boolean }>;
}

export interface McpServersDeps {
  db: Database;
  vault: Vault;
  /** The runs' PATH (the terminals' base environment), where a bare command is looked up. */
  path: string;
}

/** Whether `command` names an executable file: an absolute path, or a bare name on `searchPath`. */
export function findCommand(command: string, searchPath: string): string | null {
  const candidates = path.isAbsolute(command) ? [command] : searchPath.split(':').filter(Boolean).map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not there, or not executable: try the next directory.
    }
  }
  return null;
}

export function createMcpServers({ db, vault, path: searchPath }: McpServersDeps) {
  const include = { values: true } as const;

  async function requireServer(id: string): Promise<ServerRow> {
    const row = await db.mcpServer.findUnique({ where: { id }, include });
    if (!row) throw notFound(`No MCP server with id ${id}: list them with GET /api/mcp-servers.`);
    return row;
  }

  /** The rows of a server's values: a secret without a value keeps the ciphertext stored under its name. */
  function valueRows(body: McpServerBody, existing: McpServerValue[]) {
    const rows: Array<{ kind: string; name: string; value: string | null; secretValue: string | null; isSecret: boolean }> = [];
    for (const [kind, list] of [['env', body.env ?? []], ['header', body.headers ?? []]] as const) {
      for (const item of list) {
        if (item.secret) {
          if (item.value === undefined || item.value === null) {
            const kept = existing.find((row) => row.kind === kind && row.name === item.name && row.isSecret && row.secretValue !== null);
            if (!kept) throw badRequest('mcp_secret_missing', `The secret ${kind === 'env' ? 'variable' : 'header'} ${item.name} has no value yet: give one.`);
            rows.push({ kind, name: item.name, value: null, secretValue: kept.secretValue, isSecret: true });
          } else rows.push({ kind, name: item.name, value: null, secretValue: vault.encrypt(item.value), isSecret: true });
        } else {
          if (item.value === undefined || item.value === null) throw badRequest('mcp_value_missing', `The ${kind === 'env' ? 'variable' : 'header'} ${item.name} has no value.`);
          rows.push({ kind, name: item.name, value: item.value, secretValue: null, isSecret: false });
        }
      }
    }
    return rows;
  }

  function ensureCommand(body: McpServerBody): void {
    if (body.transport !== 'stdio' || body.command === undefined) return;
    if (!findCommand(body.command, searchPath)) {
      throw badRequest('mcp_command_not_found', path.isAbsolute(body.command) ? `${body.command} is not an executable file.` : `No executable ${body.command} on the runs' PATH (${searchPath}): give an absolute path.`);
    }
  }

  const columns = (body: McpServerBody) => ({
    name: body.name,
    transport: body.transport,
    command: body.transport === 'stdio' ? (body.command ?? null) : null,
    args: JSON.stringify(body.transport === 'stdio' ? (body.args ?? []) : []),
    url: body.transport === 'stdio' ? null : (body.url ?? null),
  });

  async function ensureNameFree(name: string, exceptId?: string): Promise<void> {
    const other = await db.mcpServer.findUnique({ where: { name }, select: { id: true } });
    if (other && other.id !== exceptId) throw conflict('mcp_server_exists', `An MCP server named ${name} exists already.`);
  }

  return {
    async list(): Promise<McpServerView[]> {
      return (await db.mcpServer.findMany({ include, orderBy: { name: 'asc' } })).map(viewOfServer);
    },

    async create(body: McpServerBody): Promise<McpServerView> {
      ensureCommand(body);
      await ensureNameFree(body.name);
      if ((await db.mcpServer.count()) >= MCP_LIMITS.servers) throw conflict('too_many_mcp_servers', `At most ${MCP_LIMITS.servers} MCP servers.`);
      const values = valueRows(body, []);
      return viewOfServer(await db.mcpServer.create({ data: { ...columns(body), values: { create: values } }, include }));
    },

    async update(id: string, body: McpServerBody): Promise<McpServerView> {
      const existing = await requireServer(id);
      ensureCommand(body);
      await ensureNameFree(body.name, id);
      const values = valueRows(body, existing.values);
      const row = await db.$transaction(async (tx) => {
        await tx.mcpServerValue.deleteMany({ where: { serverId: id } });
        return tx.mcpServer.update({ where: { id }, data: { ...columns(body), values: { create: values } }, include });
      });
      return viewOfServer(row);
    },

    async remove(id: string): Promise<void> {
      const { count } = await db.mcpServer.deleteMany({ where: { id } });
      if (count === 0) throw notFound(`No MCP server with id ${id}.`);
    },

    /** Throws a 400 naming the first of `names` that is not in the list. */
    async ensureExist(names: readonly string[]): Promise<void> {
      const rows = await db.mcpServer.findMany({ where: { name: { in: [...names] } }, select: { name: true } });
      const missing = names.find((name) => !rows.some((row) => row.name === name));
      if (missing !== undefined) throw badRequest('mcp_server_unknown', `No MCP server named ${missing} in Settings.`);
    },

    /** The transports of the named servers (nothing decrypted). */
    async transports(names: readonly string[]): Promise<Array<{ name: string; transport: McpTransport }>> {
      const rows = await db.mcpServer.findMany({ where: { name: { in: [...names] } }, select: { name: true, transport: true } });
      return rows.map((row) => ({ name: row.name, transport: row.transport as McpTransport }));
    },

    /** The named servers with their secrets decrypted, for one attempt of a run. Throws when one is gone or unreadable. */
    async forLaunch(names: readonly string[]): Promise<McpServerLaunch[]> {
      const rows = await db.mcpServer.findMany({ where: { name: { in: [...names] } }, include });
      return names.map((name) => {
        const row = rows.find((candidate) => candidate.name === name);
        if (!row) throw new AppError(409, 'mcp_server_gone', `The MCP server ${name} is no longer in Settings: add it again or start a run without it.`);
        const values = (kind: string) =>
          row.values
            .filter((value) => value.kind === kind)
            .map((value) => {
              if (!value.isSecret) return { name: value.name, value: value.value ?? '', secret: false };
              const plain = value.secretValue ? vault.tryDecrypt(value.secretValue) : null;
              if (plain === null) throw new AppError(409, 'mcp_secret_unreadable', `The secret ${value.name} of the MCP server ${name} cannot be decrypted: set it again in Settings.`);
              return { name: value.name, value: plain, secret: true };
            });
        return { name, transport: row.transport as McpTransport, command: row.command, args: parseArgs(row.args), url: row.url, env: values('env'), headers: values('header') };
      });
    },
  };
}
export type McpServers = ReturnType<typeof createMcpServers>;
