// Operations: the same API an operator uses — readiness, jobs, backups, metrics, the auth log.
import { api, describeError, errorFromBody } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { h, svg } from '../app/dom.js';
import { formatBytes } from '../../shared/units.js';
import { dateTime, describeSchedule, timeAgo } from '../app/format.js';
import { toast } from '../app/toast.js';
import type { AuthLogEntry, BackupList, JobList, MetricSeries, ReadinessReport } from '../app/types.js';
import { layoutMetricChart } from './metric-chart.js';
import { terminalHostCard } from './operations-terminal-host.js';
import { loadUsage } from './usage-cards.js';

// "12.5 %", "5 %": one decimal where there is one.
const percent = (v: number) => `${Number(v.toFixed(1))} %`;

const METRICS: { metric: string; label: string; format: (value: number) => string }[] = [
  { metric: 'cpu_percent', label: 'CPU', format: percent },
  { metric: 'memory_used_bytes', label: 'Memory used', format: formatBytes },
  { metric: 'disk_used_percent', label: 'Disk used', format: percent },
  { metric: 'active_sessions', label: 'Active terminals', format: (v) => v.toFixed(0) },
];

/** The readiness checks' names (JSON keys) as the page shows them. */
const CHECK_LABELS: Record<string, string> = {
  database: 'Database',
  migrations: 'Migrations',
  dataDir: 'Data directory',
  diskSpace: 'Disk space',
  backup: 'Backups',
  scrollback: 'Terminal output',
  terminalHost: 'Terminal host',
};

const checkLabel = (name: string) => CHECK_LABELS[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (first) => first.toUpperCase());

function section(id: string, title: string, ...content: HTMLElement[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

function errorLine(error: unknown): HTMLElement {
  return h('p', { class: 'error-text', role: 'alert' }, describeError(error));
}

/**
 * A small chart of the averages with its axes: 0 to a round maximum in the metric's unit, and the
 * window's start and end times (layout in metric-chart.ts); a text summary for screen readers.
 */
export function sparkline(series: MetricSeries, label: string, format: (value: number) => string): HTMLElement {
  if (series.points.length === 0) return h('div', { class: 'metric' }, h('h3', {}, label), h('p', { class: 'muted' }, 'No samples yet in the last 24 hours.'));
  const width = 160;
  const height = 48;
  const chart = layoutMetricChart(series, label, { width, height, format });
  // Stretched to the column: strokes keep their width, and a dot is a zero-length line with round ends.
  const stroke = { fill: 'none', stroke: 'currentColor', 'vector-effect': 'non-scaling-stroke', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' };
  const plot = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', class: 'sparkline', 'aria-hidden': 'true' },
    svg('path', { d: `M0,0.5 H${width}`, class: 'chart-grid', 'vector-effect': 'non-scaling-stroke' }),
    svg('path', { d: `M0.5,0 V${height - 0.5} H${width}`, class: 'chart-axis', fill: 'none', 'vector-effect': 'non-scaling-stroke' }),
    ...(chart.path ? [svg('path', { ...stroke, d: chart.path, 'stroke-width': 2 })] : []),
    ...(chart.dots.length > 0 ? [svg('path', { ...stroke, d: chart.dots.map((dot) => `M${dot.x},${dot.y} h0`).join(' '), 'stroke-width': 5 })] : []),
  );
  const latest = series.points[series.points.length - 1]!.avg;
  return h(
    'div',
    { class: 'metric' },
    h('h3', {}, label),
    h(
      'figure',
      { class: 'metric-chart', role: 'img', 'aria-label': chart.summary },
      h('div', { class: 'chart-y', 'aria-hidden': 'true' }, h('span', {}, chart.yLabels.top), h('span', {}, chart.yLabels.bottom)),
      plot,
      h('div', { class: 'chart-x', 'aria-hidden': 'true' }, h('span', {}, chart.xLabels.start), h('span', {}, chart.xLabels.end)),
    ),
    h('p', { class: 'metric-value' }, `Latest: ${format(latest)}`),
  );
}

export const operationsScreen: Screen = {
  title: 'Operations',
  async render(main) {
    main.append(h('h1', {}, 'Operations'));
    const health = h('div');
    const metrics = h('div', { class: 'metrics' });
    const jobs = h('div', { class: 'table-wrap' });
    const backups = h('div');
    const log = h('div', { class: 'table-wrap' });
    const host = h('div', { class: 'terminal-host' });
    const usage = h('div', { class: 'usage' });
    main.append(
      section('health-title', 'Health', health),
      section('terminal-host-title', 'Terminal host', host),
      section('usage-title', 'Agent runs: usage and cost', usage),
      section('metrics-title', 'Metrics (last 24 hours)', metrics),
      section('jobs-title', 'Maintenance jobs', jobs),
      section('backups-title', 'Backups', backups),
      section('auth-log-title', 'Recent sign-in activity', log),
    );

    const loadHealth = async () => {
      // /readyz answers 503 with the same report when a check fails: show it either way.
      const response = await fetch('/readyz', { headers: { accept: 'application/json' } });
      const body = (await response.json().catch(() => null)) as ReadinessReport | null;
      if (!body?.checks) throw errorFromBody(response.status, body);
      health.replaceChildren(
        h('p', {}, h('strong', {}, body.status === 'ready' ? 'Ready' : 'Not ready')),
        h(
          'ul',
          { class: 'checks' },
          Object.entries(body.checks).map(([name, check]) => h('li', { class: `check check-${check.status}` }, h('span', { class: 'badge' }, check.status), ' ', h('strong', {}, checkLabel(name)), ': ', check.message)),
        ),
      );
    };

    const hostCard = terminalHostCard(host, loadHealth);

    const loadMetrics = async () => {
      const charts = await Promise.all(
        METRICS.map(async ({ metric, label, format }) => {
          try {
            return sparkline(await api<MetricSeries>(`/api/metrics?metric=${metric}&since=24h&points=60`), label, format);
          } catch (error) {
            return h('div', { class: 'metric' }, h('h3', {}, label), errorLine(error));
          }
        }),
      );
      metrics.replaceChildren(...charts);
    };

    const loadJobs = async () => {
      const body = await api<JobList>('/api/maintenance/jobs');
      const rows = body.jobs.map((job) => {
        const run = h('button', { type: 'button', 'aria-label': `Run ${job.name} now`, 'data-job': job.name, disabled: job.isRunning }, job.isRunning ? 'Running…' : 'Run now');
        run.addEventListener('click', async () => {
          if (run.getAttribute('aria-disabled') === 'true') return;
          // aria-disabled rather than disabled: the button keeps the keyboard focus while the job runs.
          run.setAttribute('aria-disabled', 'true');
          run.textContent = 'Running…';
          try {
            await api(`/api/maintenance/jobs/${encodeURIComponent(job.name)}/run`, { method: 'POST', body: {} });
            toast(`The ${job.name} job finished.`, 'success');
          } catch (error) {
            toast(describeError(error), 'error');
          }
          // Every job can change a readiness check (the backup's age, the disk), so the health card too.
          await Promise.all([loadJobs(), loadHealth(), job.name === 'backup' ? loadBackups() : null, job.name === 'metrics' ? loadMetrics() : null]).catch((error: unknown) => toast(describeError(error), 'error'));
        });
        const last = job.lastRun ? `${job.lastRun.ok === false ? 'failed' : job.lastRun.ok ? 'succeeded' : 'running'} ${timeAgo(job.lastRun.finishedAt ?? job.lastRun.startedAt)}` : 'never run';
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, job.name),
          h('td', { 'data-label': 'Schedule', title: job.schedule }, describeSchedule(job.schedule)),
          h('td', { 'data-label': 'Last run' }, last),
          h('td', { 'data-label': 'Next run' }, job.isScheduled ? dateTime(job.nextRunAt) : 'not scheduled'),
          h('td', { class: 'row-actions' }, run),
        );
      });
      const focusedJob = jobs.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.job : undefined;
      jobs.replaceChildren(
        body.isSchedulerEnabled ? h('p', { class: 'hint' }, `Times in ${body.timezone}.`) : h('p', { class: 'hint' }, 'The scheduler is off (SCHEDULER_ENABLED=false): jobs run only when started here or from the command line.'),
        h('table', {}, h('thead', {}, h('tr', {}, ['Job', 'Schedule', 'Last run', 'Next run', ''].map((title) => h('th', { scope: 'col' }, title || h('span', { class: 'visually-hidden' }, 'Actions'))))), h('tbody', {}, rows)),
      );
      // The rows are new elements: keep the keyboard where it was.
      if (focusedJob) jobs.querySelector<HTMLButtonElement>(`button[data-job="${CSS.escape(focusedJob)}"]`)?.focus();
    };

    const loadBackups = async () => {
      const body = await api<BackupList>('/api/maintenance/backups');
      backups.replaceChildren(
        h('p', { class: 'hint' }, `In ${body.directory}; the newest ${body.retentionCount} are kept.`),
        body.backups.length === 0
          ? h('p', { class: 'muted' }, 'No backups yet. Run the backup job to make one.')
          : h('ul', { class: 'backups' }, body.backups.map((backup) => h('li', {}, h('code', {}, backup.name), ` — ${formatBytes(backup.sizeBytes)}, ${timeAgo(backup.createdAt)}${backup.verified ? ', verified' : ''}`))),
      );
    };

    const loadLog = async () => {
      const { entries } = await api<{ entries: AuthLogEntry[] }>('/api/auth/log?limit=50');
      log.replaceChildren(
        entries.length === 0
          ? h('p', { class: 'muted' }, 'Nothing yet.')
          : h(
              'table',
              {},
              h('thead', {}, h('tr', {}, ['When', 'What', 'Result', 'Address'].map((title) => h('th', { scope: 'col' }, title)))),
              h(
                'tbody',
                {},
                entries.map((entry) =>
                  h(
                    'tr',
                    {},
                    h('td', { 'data-label': 'When' }, dateTime(entry.createdAt)),
                    h('td', { 'data-label': 'What' }, describeLogEntry(entry)),
                    h('td', { 'data-label': 'Result' }, entry.success ? 'ok' : 'refused'),
                    h('td', { 'data-label': 'Address' }, entry.ip ?? '—'),
                  ),
                ),
              ),
            ),
      );
    };

    await Promise.all(
      [
        [health, loadHealth],
        [metrics, loadMetrics],
        [host, hostCard.load],
        [usage, () => loadUsage(usage)],
        [jobs, loadJobs],
        [backups, loadBackups],
        [log, loadLog],
      ].map(async ([target, load]) => {
        try {
          await (load as () => Promise<void>)();
        } catch (error) {
          (target as HTMLElement).replaceChildren(errorLine(error));
        }
      }),
    );
  },
};

function describeLogEntry(entry: AuthLogEntry): string {
  const details = entry.details ?? {};
  const method = typeof details.method === 'string' ? details.method.replace(/_/g, ' ') : null;
  const login = typeof details.login === 'string' ? ` as @${details.login}` : '';
  return `${entry.action.replace(/_/g, ' ')}${method ? ` (${method})` : ''}${login}`;
}
