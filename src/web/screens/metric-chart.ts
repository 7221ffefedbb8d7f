// The pure part of the Operations screen's metric charts (issue 16: flat lines without axes said
// nothing): the y axis from 0 to a round maximum in the metric's unit, the x axis from the window's
// start to its end, and the line in between. DOM-free, so that it is unit-tested in Node.
import type { MetricSeriesView } from '../../shared/maintenance.js';

export interface MetricChartOptions {
  /** The plot area, in SVG user units (y grows downwards). */
  width: number;
  height: number;
  /** A value in the metric's unit: "12.5 %", "3.2 GiB", "4". */
  format: (value: number) => string;
  /** For the time labels; the browser's own when left out. */
  locale?: string;
  timeZone?: string;
}

export interface MetricChart {
  /** The averages as SVG path data; a gap of more than one empty bucket (the server was down) breaks the line. */
  path: string;
  /** Samples with no neighbour to join: drawn as dots. */
  dots: { x: number; y: number }[];
  /** The top of the y axis (its bottom is 0). */
  yMax: number;
  yLabels: { top: string; bottom: string };
  xLabels: { start: string; end: string };
  /** The chart in words, for screen readers. */
  summary: string;
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `value` (1 for nothing above 0). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value * (1 - 1e-12)) ?? 10;
  return Number((step * power).toPrecision(12));
}

/** The y axis's top for a metric: round in its unit (bytes in powers of 1024), percentages at most 100. */
export function axisMax(max: number, unit: string | null): number {
  if (unit === 'bytes' && max >= 1024) {
    const power = 1024 ** Math.floor(Math.log(max) / Math.log(1024));
    return niceCeiling(max / power) * power;
  }
  const top = niceCeiling(max);
  if (unit === 'percent') return Math.min(top, 100);
  // Counts (terminals) are whole numbers.
  return unit === 'sessions' ? Math.max(1, Math.ceil(top)) : top;
}

/** "14:05" (or "2:05 PM"), with the day when it is not the day of `reference`: "Mon 14:05" within a week, else "9 Mar 14:05". */
export function timeLabel(date: Date, reference: Date, { locale, timeZone }: Pick<MetricChartOptions, 'locale' | 'timeZone'> = {}): string {
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(date);
  const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone });
  if (day.format(date) === day.format(reference)) return time;
  const withinAWeek = Math.abs(reference.getTime() - date.getTime()) < 6 * 86_400_000;
  return `${withinAWeek ? new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone }).format(date) : day.format(date)} ${time}`;
}

const round = (value: number) => Number(value.toFixed(1));

/** The chart of one series: axes, line and summary. Call only with at least one point. */
export function layoutMetricChart(series: MetricSeriesView, label: string, options: MetricChartOptions): MetricChart {
  const { width, height, format } = options;
  const since = new Date(series.since).getTime();
  const until = new Date(series.until).getTime();
  const span = Math.max(1, until - since);
  const values = series.points.map((point) => point.avg);
  const yMax = axisMax(Math.max(...values), series.unit);
  // Each average sits in the middle of its bucket.
  const x = (at: string) => round((Math.min(span, Math.max(0, new Date(at).getTime() - since + series.bucketMs / 2)) / span) * width);
  const y = (value: number) => round(height - (Math.min(Math.max(value, 0), yMax) / yMax) * height);

  const runs: { x: number; y: number }[][] = [];
  let previous: number | null = null;
  for (const point of series.points) {
    const at = new Date(point.at).getTime();
    if (previous === null || at - previous > series.bucketMs * 2) runs.push([]);
    runs[runs.length - 1]!.push({ x: x(point.at), y: y(point.avg) });
    previous = at;
  }
  const path = runs
    .filter((run) => run.length > 1)
    .map((run) => run.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' '))
    .join(' ');
  const dots = runs.filter((run) => run.length === 1).map((run) => run[0]!);

  const end = new Date(until);
  const xLabels = { start: timeLabel(new Date(since), end, options), end: timeLabel(end, end, options) };
  const yLabels = { top: format(yMax), bottom: format(0) };
  const latest = values[values.length - 1]!;
  const summary =
    `${label} from ${xLabels.start} to ${xLabels.end}, on a scale of ${yLabels.bottom} to ${yLabels.top}: ` +
    `latest ${format(latest)}, between ${format(Math.min(...values))} and ${format(Math.max(...values))}.`;
  return { path, dots, yMax, yLabels, xLabels, summary };
}
