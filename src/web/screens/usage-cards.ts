// Usage and cost of agent runs (issue 21 §1): the totals and the budget on the Operations page, the
// price table and the budget in Settings, and the budget's notice on the runs screen. Views only: the
// server computes every figure (/api/usage, /api/prices, /api/budget).
import { api, describeError } from '../app/api.js';
import { field, h } from '../app/dom.js';
import { toast } from '../app/toast.js';
import { formatUsd, type BudgetView, type PriceView, type PricesResponse, type UsageResponse, type UsageTotals } from '../../shared/usage.js';

const tokens = (value: number) => value.toLocaleString('en');

function totalsCells(totals: UsageTotals): HTMLElement[] {
  return [
    h('td', { 'data-label': 'Runs' }, String(totals.runs)),
    h('td', { 'data-label': 'Input' }, tokens(totals.tokens.input)),
    h('td', { 'data-label': 'Output' }, tokens(totals.tokens.output)),
    h('td', { 'data-label': 'Cache read' }, tokens(totals.tokens.cacheRead)),
    h('td', { 'data-label': 'Cache write' }, tokens(totals.tokens.cacheWrite)),
    h('td', { 'data-label': 'Cost' }, formatUsd(totals.costUsd), totals.unpricedRuns > 0 ? ` (+${totals.unpricedRuns} unpriced)` : ''),
  ];
}

function totalsTable(caption: string, first: string, rows: { label: string; totals: UsageTotals }[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, `${caption}: no runs.`);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'aria-label': caption },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, [first, 'Runs', 'Input', 'Output', 'Cache read', 'Cache write', 'Cost'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, h('th', { scope: 'row', 'data-label': first }, row.label), ...totalsCells(row.totals)))),
    ),
  );
}

/** The budget in one line (and a Resume button when it holds the queue), or nothing without a message. */
export function budgetNotice(budget: BudgetView, onResumed?: () => void): HTMLElement | null {
  if (!budget.message) return null;
  const resume = budget.paused ? h('button', { type: 'button' }, 'Resume the queue this month') : null;
  resume?.addEventListener('click', async () => {
    try {
      await api('/api/budget/resume', { method: 'POST', body: {} });
      toast('The queue goes on this month despite the budget.', 'success');
      onResumed?.();
    } catch (error) {
      toast(describeError(error), 'error');
    }
  });
  return h('div', { class: budget.level === 'over' ? 'notice budget-notice budget-over' : 'notice budget-notice', role: 'status' }, h('p', {}, budget.message), resume);
}

/** Operations: this month against the budget, then totals per month, day and workspace (UTC). */
export async function loadUsage(target: HTMLElement): Promise<void> {
  const usage = await api<UsageResponse>('/api/usage?days=31&months=12');
  const { budget } = usage;
  const monthLine = budget.monthlyUsd === null ? `This month (${budget.month}, UTC): ${formatUsd(budget.monthCostUsd)}; no monthly budget (set one in Settings).` : `This month (${budget.month}, UTC): ${formatUsd(budget.monthCostUsd)} of ${formatUsd(budget.monthlyUsd)}.`;
  target.replaceChildren(
    h('p', { class: 'usage-month' }, monthLine),
    ...[budgetNotice(budget, () => void loadUsage(target).catch((error: unknown) => toast(describeError(error), 'error')))].filter((node): node is HTMLElement => node !== null),
    h('p', { class: 'hint' }, 'Days and months are UTC. A run counts on the day it started, with the cost stored when its attempts ended (later price edits do not change it).'),
    totalsTable('Per month', 'Month', usage.months.map((month) => ({ label: month.month, totals: month }))),
    totalsTable('Per day (last 31 days)', 'Day', usage.days.map((day) => ({ label: day.day, totals: day }))),
    totalsTable('Per workspace (last 12 months)', 'Workspace', usage.workspaces.map((workspace) => ({ label: workspace.workspaceName, totals: workspace }))),
  );
}

const PRICE_FIELDS = [
  ['inputPerMillion', 'Input'],
  ['outputPerMillion', 'Output'],
  ['cacheReadPerMillion', 'Cache read'],
  ['cacheWritePerMillion', 'Cache write'],
] as const;

/** Settings: the monthly budget and whether reaching it holds the queue. */
export function budgetSection(): HTMLElement {
  const body = h('div');
  const load = async () => {
    const { budget } = await api<{ budget: BudgetView }>('/api/budget');
    const amount = h('input', { type: 'number', name: 'monthlyBudgetUsd', min: 0, step: 'any', inputmode: 'decimal', value: budget.monthlyUsd ?? '', placeholder: 'No budget' });
    const pause = h('input', { type: 'checkbox', name: 'budgetPausesQueue', id: 'budget-pauses-queue', checked: budget.pauseQueue });
    const save = h('button', { type: 'submit' }, 'Save budget');
    const form = h(
      'form',
      { class: 'budget-form' },
      field('Monthly budget (US dollars)', amount, `Warns on Operations, on the runs screen and by push at ${Math.round(budget.warnAt * 100)} % and 100 % of a UTC month's cost. Empty: no budget.`),
      h('div', { class: 'checkbox' }, pause, h('label', { for: pause.id }, 'At 100 %, hold queued runs (running ones go on)')),
      h('div', { class: 'actions' }, save),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = amount.value.trim();
      try {
        const saved = await api<{ budget: BudgetView }>('/api/budget', { method: 'PUT', body: { monthlyUsd: value === '' ? null : Number(value), pauseQueue: pause.checked } });
        toast(saved.budget.monthlyUsd === null ? 'No monthly budget.' : `Monthly budget: ${formatUsd(saved.budget.monthlyUsd)}.`, 'success');
        await load();
      } catch (error) {
        toast(describeError(error), 'error');
      }
    });
    body.replaceChildren(...[budgetNotice(budget, () => void load())].filter((node): node is HTMLElement => node !== null), form);
  };
  void load().catch((error: unknown) => body.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, describeError(error))));
  return h('section', { class: 'card', 'aria-labelledby': 'budget-title' }, h('h2', { id: 'budget-title' }, 'Agent runs: monthly budget'), body);
}

/** Settings: each model's prices per million tokens, editable, with the day each was last checked and a reset. */
export function pricesSection(): HTMLElement {
  const list = h('div', { class: 'prices' });
  const load = async () => {
    const { prices } = await api<PricesResponse>('/api/prices');
    list.replaceChildren(...prices.map((price) => priceForm(price, load)));
  };
  void load().catch((error: unknown) => list.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, describeError(error))));
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'prices-title' },
    h('h2', { id: 'prices-title' }, 'Agent runs: model prices'),
    h('p', { class: 'hint' }, 'US dollars per million tokens; a model id or a prefix of ids. Runs started after a change use it; runs already priced keep their cost. Reset goes back to the price shipped with Shellport.'),
    list,
  );
}

function priceForm(price: PriceView, reload: () => Promise<void>): HTMLElement {
  const inputs = PRICE_FIELDS.map(([name, label]) => ({
    name,
    label,
    input: h('input', { type: 'number', name, min: 0, step: 'any', inputmode: 'decimal', value: price[name], 'aria-label': `${price.model}: ${label} per million` }),
  }));
  const checkedOn = h('input', { type: 'date', name: 'checkedOn', value: price.checkedOn, 'aria-label': `${price.model}: last checked` });
  const save = h('button', { type: 'submit' }, 'Save');
  const reset = h('button', { type: 'button', class: 'secondary', disabled: price.source === 'shipped' }, price.shipped ? 'Reset to shipped' : price.source === 'edited' ? 'Remove' : 'Reset to shipped');
  const form = h(
    'form',
    { class: 'price', 'data-model': price.model },
    h('h3', {}, price.model, ' ', h('span', { class: 'badge' }, price.source === 'edited' ? 'edited' : 'shipped')),
    h('div', { class: 'price-fields' }, inputs.map(({ label, input }) => h('label', {}, h('span', {}, label), input)), h('label', {}, h('span', {}, 'Checked on'), checkedOn)),
    price.shipped ? h('p', { class: 'hint' }, `Shipped: ${PRICE_FIELDS.map(([name, label]) => `${label.toLowerCase()} $${price.shipped![name]}`).join(', ')} (checked ${price.shipped.checkedOn}).`) : null,
    h('div', { class: 'actions' }, save, reset),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { checkedOn: checkedOn.value || undefined };
    for (const { name, input } of inputs) body[name] = input.value.trim() === '' ? null : Number(input.value);
    try {
      await api(`/api/prices/${encodeURIComponent(price.model)}`, { method: 'PUT', body });
      toast(`Prices of ${price.model} saved.`, 'success');
      await reload();
    } catch (error) {
      toast(describeError(error), 'error');
    }
  });
  reset.addEventListener('click', async () => {
    try {
      await api(`/api/prices/${encodeURIComponent(price.model)}`, { method: 'DELETE' });
      toast(price.shipped ? `${price.model} is back to its shipped price.` : `${price.model} removed.`, 'success');
      await reload();
    } catch (error) {
      toast(describeError(error), 'error');
    }
  });
  return form;
}
