// MCP servers kept in Settings and given to agent runs (issue 21 §1, docs/runs.md "MCP servers").
// Wire shapes of /api/mcp-servers; a secret value never comes back, only that it is set.

export const MCP_TRANSPORTS = ['stdio', 'http', 'sse'] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];

export const MCP_LIMITS = {
  servers: 50,
  nameChars: 64,
  commandChars: 1024,
  args: 64,
  argChars: 4096,
  urlChars: 2048,
  /** Variables or headers per server. */
  values: 50,
  valueNameChars: 128,
  valueChars: 8192,
  /** Servers one run may get. */
  perRun: 20,
} as const;

/** A server's name: the key of its entry in the agents' configuration (and Codex's `mcp_servers.<name>`). */
export const MCP_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A variable or header as the API shows it: a secret's value is null, `set` says it has one. */
export interface McpValueView {
  name: string;
  value: string | null;
  secret: boolean;
  set: boolean;
}

export interface McpServerView {
  id: string;
  name: string;
  transport: McpTransport;
  command: string | null;
  args: string[];
  url: string | null;
  /** stdio: the server's environment variables. */
  env: McpValueView[];
  /** http, sse: the HTTP headers sent with every request. */
  headers: McpValueView[];
  updatedAt: string;
}

/**
 * A variable or header as the owner writes it. A secret with `value` omitted (or null) keeps the
 * secret already stored under that name: the form need not know it to save other changes.
 */
export interface McpValueInput {
  name: string;
  value?: string | null;
  secret?: boolean;
}

export interface McpServerInput {
  name: string;
  transport: McpTransport;
  command?: string;
  args?: string[];
  url?: string;
  env?: McpValueInput[];
  headers?: McpValueInput[];
}
