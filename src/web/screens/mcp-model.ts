// Settings → MCP servers, without the DOM: what a form's rows become in a request, and how a server
// reads in the list. A secret row left empty keeps the secret the server has (docs/api.md).
import type { McpServerInput, McpServerView, McpTransport, McpValueInput, McpValueView } from '../../shared/mcp.js';

/** One variable or header row of the form. */
export interface McpValueRow {
  name: string;
  value: string;
  secret: boolean;
  /** The server has a value stored for this (secret) name: an empty field keeps it. */
  stored: boolean;
}

export interface McpForm {
  name: string;
  transport: McpTransport;
  command: string;
  /** One argument a line. */
  args: string;
  url: string;
  values: McpValueRow[];
}

export const emptyMcpForm = (): McpForm => ({ name: '', transport: 'stdio', command: '', args: '', url: '', values: [] });

/** The form of an existing server: secrets' fields empty (their value never comes back). */
export function formOfServer(server: McpServerView): McpForm {
  const values = server.transport === 'stdio' ? server.env : server.headers;
  return {
    name: server.name,
    transport: server.transport,
    command: server.command ?? '',
    args: server.args.join('\n'),
    url: server.url ?? '',
    values: values.map((value) => ({ name: value.name, value: value.secret ? '' : (value.value ?? ''), secret: value.secret, stored: value.secret && value.set })),
  };
}

/** The request body of a form; rows without a name are left out. */
export function inputOfForm(form: McpForm): McpServerInput {
  const values: McpValueInput[] = form.values
    .filter((row) => row.name.trim() !== '')
    .map((row) => (row.secret && row.value === '' && row.stored ? { name: row.name.trim(), secret: true } : { name: row.name.trim(), value: row.value, ...(row.secret ? { secret: true } : {}) }));
  if (form.transport === 'stdio') {
    const args = form.args.split('\n').filter((line) => line !== '');
    return { name: form.name.trim(), transport: 'stdio', command: form.command.trim(), args, env: values };
  }
  return { name: form.name.trim(), transport: form.transport, url: form.url.trim(), headers: values };
}

/** A value as the list shows it: a secret is never shown, only whether it is set. */
export const describeMcpValue = (value: McpValueView): string => `${value.name}=${value.secret ? (value.set ? '•••• (secret, set)' : '(secret, not set)') : (value.value ?? '')}`;

/** What a server runs or where it is: `node server.mjs` or `http https://…`. */
export const describeMcpTarget = (server: McpServerView): string =>
  server.transport === 'stdio' ? [server.command ?? '', ...server.args].join(' ') : `${server.transport} ${server.url ?? ''}`;
