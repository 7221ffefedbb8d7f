// Settings → MCP servers (issue 21 §1, docs/runs.md "MCP servers"): the servers a run may get, added,
// edited and removed here. Secret values never come back from the server: the list says "set", and
// editing leaves a secret's field empty, which keeps it.
import './mcp.css';
import { api, describeError } from '../app/api.js';
import { confirmDialog } from '../app/dialog.js';
import { field, h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import { MCP_TRANSPORTS, type McpServerView, type McpTransport } from '../../shared/mcp.js';
import { describeMcpTarget, describeMcpValue, emptyMcpForm, formOfServer, inputOfForm, type McpForm, type McpValueRow } from './mcp-model.js';

export function mcpServersSection(): HTMLElement {
  const list = h('ul', { class: 'share-list', 'aria-label': 'MCP servers' });
  const empty = h('p', { class: 'muted' }, 'No MCP server yet. Add one below; a new run can then be given it.');
  let editing: McpServerView | null = null;
  let form: McpForm = emptyMcpForm();

  // The form: one set of controls, filled from `form` by fill() and read back by read().
  const name = h('input', { type: 'text', name: 'mcpName', autocomplete: 'off', spellcheck: 'false', required: true, pattern: '[A-Za-z][A-Za-z0-9_\\-]*' });
  const transport = h('select', { name: 'mcpTransport' }, MCP_TRANSPORTS.map((item) => h('option', { value: item }, item)));
  const command = h('input', { type: 'text', name: 'mcpCommand', autocomplete: 'off', spellcheck: 'false' });
  const args = h('textarea', { name: 'mcpArgs', rows: 2, spellcheck: 'false' });
  const url = h('input', { type: 'url', name: 'mcpUrl', autocomplete: 'off', spellcheck: 'false' });
  const stdioFields = h('div', {}, field('Command', command, 'An absolute path, or a name found on the runs\' PATH (node, npx).'), field('Arguments', args, 'One a line.'));
  const httpFields = h('div', {}, field('URL', url, 'The server\'s http:// or https:// address.'));
  const valuesTitle = h('h3', {});
  const valueRows = h('div', { class: 'mcp-values' });
  const addValue = h('button', { type: 'button' }, '');
  const title = h('h3', {}, 'Add a server');
  const save = h('button', { type: 'submit', class: 'primary' }, 'Add server');
  const cancel = h('button', { type: 'button', hidden: true }, 'Cancel edit');

  const renderValues = () => {
    const isStdio = form.transport === 'stdio';
    valuesTitle.textContent = isStdio ? 'Environment variables' : 'HTTP headers';
    addValue.textContent = isStdio ? 'Add variable' : 'Add header';
    valueRows.replaceChildren(
      ...form.values.map((row, index) => {
        const what = isStdio ? 'Variable' : 'Header';
        const rowName = h('input', { type: 'text', value: row.name, 'aria-label': `${what} ${index + 1} name`, autocomplete: 'off', spellcheck: 'false', oninput: () => (row.name = rowName.value) });
        const rowValue = h('input', {
          type: row.secret ? 'password' : 'text',
          value: row.value,
          'aria-label': `${what} ${index + 1} value`,
          autocomplete: 'off',
          spellcheck: 'false',
          placeholder: row.stored ? 'unchanged (set)' : '',
          oninput: () => (row.value = rowValue.value),
        });
        const secret = h('input', {
          type: 'checkbox',
          checked: row.secret,
          'aria-label': `${what} ${index + 1} is secret`,
          onchange: () => {
            row.secret = secret.checked;
            rowValue.type = row.secret ? 'password' : 'text';
          },
        });
        const remove = h('button', { type: 'button', 'aria-label': `Remove ${what.toLowerCase()} ${index + 1}`, onclick: () => {
          form.values.splice(index, 1);
          renderValues();
        } }, '✕');
        return h('div', { class: 'mcp-value-row' }, rowName, rowValue, h('label', { class: 'checkbox' }, secret, ' secret'), remove);
      }),
    );
  };
  const fill = () => {
    name.value = form.name;
    transport.value = form.transport;
    command.value = form.command;
    args.value = form.args;
    url.value = form.url;
    stdioFields.hidden = form.transport !== 'stdio';
    httpFields.hidden = form.transport === 'stdio';
    title.textContent = editing ? `Edit ${editing.name}` : 'Add a server';
    save.textContent = editing ? 'Save server' : 'Add server';
    cancel.hidden = !editing;
    renderValues();
  };
  const read = () => {
    form.name = name.value;
    form.command = command.value;
    form.args = args.value;
    form.url = url.value;
  };
  transport.addEventListener('change', () => {
    read();
    form.transport = transport.value as McpTransport;
    // Variables and headers do not carry over from one kind to the other.
    form.values = [];
    fill();
  });
  addValue.addEventListener('click', () => {
    read();
    form.values.push({ name: '', value: '', secret: false, stored: false } satisfies McpValueRow);
    renderValues();
  });
  const reset = () => {
    editing = null;
    form = emptyMcpForm();
    fill();
  };
  cancel.addEventListener('click', reset);

  const formElement = h('form', { class: 'mcp-form', 'aria-labelledby': 'mcp-form-title' }, title, field('Name', name, 'An identifier: a letter, then letters, digits, "_" or "-".'), field('Transport', transport), stdioFields, httpFields, valuesTitle, valueRows, h('div', { class: 'actions' }, addValue), h('div', { class: 'actions' }, cancel, save));
  title.id = 'mcp-form-title';
  formElement.addEventListener('submit', (event) => {
    event.preventDefault();
    read();
    save.disabled = true;
    const request = editing ? api<{ server: McpServerView }>(`/api/mcp-servers/${editing.id}`, { method: 'PUT', body: inputOfForm(form) }) : api<{ server: McpServerView }>('/api/mcp-servers', { method: 'POST', body: inputOfForm(form) });
    request.then(
      ({ server }) => {
        save.disabled = false;
        toast(editing ? `Saved ${server.name}.` : `Added ${server.name}.`, 'success');
        reset();
        void load();
      },
      (error: unknown) => {
        save.disabled = false;
        toast(describeError(error), 'error');
      },
    );
  });

  const render = (servers: McpServerView[]) => {
    empty.hidden = servers.length > 0;
    list.replaceChildren(
      ...servers.map((server) => {
        const values = server.transport === 'stdio' ? server.env : server.headers;
        const edit = h('button', { type: 'button', 'aria-label': `Edit ${server.name}`, onclick: () => {
          editing = server;
          form = formOfServer(server);
          fill();
          name.focus();
        } }, 'Edit');
        const remove: HTMLButtonElement = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${server.name}`, onclick: async () => {
          const confirmed = await confirmDialog({ title: `Remove ${server.name}?`, message: 'New runs can no longer be given it, and follow-ups of runs that had it fail until it is added again. Its secrets are deleted.', confirmLabel: 'Remove', danger: true });
          if (!confirmed) return;
          remove.disabled = true;
          api(`/api/mcp-servers/${server.id}`, { method: 'DELETE' }).then(
            () => {
              toast(`Removed ${server.name}.`);
              if (editing?.id === server.id) reset();
              void load();
            },
            (error: unknown) => {
              remove.disabled = false;
              toast(describeError(error), 'error');
            },
          );
        } }, 'Remove');
        return h(
          'li',
          { class: 'share-item mcp-server', 'data-server': server.name },
          h('strong', {}, server.name),
          h('span', { class: 'muted' }, ` · ${describeMcpTarget(server)}`),
          values.length > 0 ? h('ul', { class: 'mcp-value-list' }, values.map((value) => h('li', {}, h('code', {}, describeMcpValue(value))))) : null,
          h('div', { class: 'actions' }, edit, remove),
        );
      }),
    );
  };
  const load = () =>
    api<{ servers: McpServerView[] }>('/api/mcp-servers').then(
      ({ servers }) => render(servers),
      (error: unknown) => {
        empty.hidden = false;
        empty.textContent = describeError(error);
      },
    );
  fill();
  void load();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'mcp-title' },
    h('h2', { id: 'mcp-title' }, 'MCP servers'),
    h('p', { class: 'hint' }, 'Tools an agent run may be given (ticked in New run). Secret variables and headers are kept encrypted and never shown again.'),
    empty,
    list,
    formElement,
  );
}
