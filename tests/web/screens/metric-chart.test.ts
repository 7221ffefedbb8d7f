// The Operations screen's metric charts: axes from 0 to a round maximum in the metric's unit, the
// window's start and end times, and a line that neither invents values across gaps nor hides a lone sample.
import { describe, expect, it } from 'vitest';
import type { MetricSeriesView } from '../../../src/shared/maintenance.js';
import { formatBytes } from '../../../src/shared/units.js';
import { axisMax, layoutMetricChart, niceCeiling, timeLabel } from '../../../src/web/screens/metric-chart.js';

const HOUR = 3_600_000;
const until = new Date('2026-03-10T14:05:00Z');
const since = new Date(until.getTime() - 24 * HOUR);
const percent = (v: number) => `${Number(v.toFixed(1))} %`;
const utc = { locale: 'en-GB', timeZone: 'UTC' };

/** A 24-hour series in 24 one-hour buckets; `values[i]` null leaves bucket i empty. */
function series(unit: string | null, values: (number | null)[]): MetricSeriesView {
  const points = values.flatMap((avg, i) => (avg === null ? [] : [{ at: new Date(since.getTime() + i * HOUR).toISOString(), avg, min: avg, max: avg, samples: 1 }]));
  return { metric: 'cpu_percent', unit, since: since.toISOString(), until: until.toISOString(), bucketMs: HOUR, points };
}

describe('metric chart axes', () => {
  it('rounds the top of the y axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 1.2, 2, 2.2, 3, 7, 12, 99, 180, 2600].map(niceCeiling)).toEqual([1, 0.5, 1, 2, 2, 2.5, 5, 10, 20, 100, 200, 5000]);
  });

  it('keeps percentages at most 100, bytes round in binary units, and terminal counts whole', () => {
    expect(axisMax(3.4, 'percent')).toBe(5);
    expect(axisMax(97, 'percent')).toBe(100);
    expect(formatBytes(axisMax(3.1 * 1024 ** 3, 'bytes'))).toBe('5 GiB');
    expect(formatBytes(axisMax(700 * 1024 ** 2, 'bytes'))).toBe('1000 MiB');
    expect(axisMax(0, 'sessions')).toBe(1);
    expect(axisMax(3, 'sessions')).toBe(5);
    expect(axisMax(0.3, 'sessions')).toBe(1);
  });

  it('labels the window’s ends with their times, and the start with its day when that is another one', () => {
    expect(timeLabel(until, until, utc)).toBe('14:05');
    expect(timeLabel(since, until, utc)).toBe('Mon 14:05');
    expect(timeLabel(new Date('2026-02-20T09:30:00Z'), until, utc)).toBe('20 Feb 09:30');
    expect(timeLabel(since, until, { locale: 'en-US', timeZone: 'UTC' })).toBe('Mon 2:05 PM');
    expect(timeLabel(new Date('2026-03-10T02:00:00Z'), until, utc)).toBe('02:00');
  });

  it('draws the averages from 0 to the axis’s top over the whole window, breaking the line at gaps', () => {
    const values: (number | null)[] = Array.from({ length: 24 }, () => null);
    values[0] = 2;
    values[1] = 4;
    values[5] = 1; // alone between gaps: a dot
    values[22] = 0;
    values[23] = 4.5;
    const chart = layoutMetricChart(series('percent', values), 'CPU', { width: 240, height: 50, format: percent, ...utc });
    expect(chart.yMax).toBe(5);
    expect(chart.yLabels).toEqual({ top: '5 %', bottom: '0 %' });
    expect(chart.xLabels).toEqual({ start: 'Mon 14:05', end: '14:05' });
    // x: the middle of each hour's bucket in 240 units for 24 hours; y: 0 % at the bottom (50), 5 % at the top (0).
    expect(chart.path).toBe('M5,30 L15,10 M225,50 L235,5');
    expect(chart.dots).toEqual([{ x: 55, y: 40 }]);
    expect(chart.summary).toBe('CPU from Mon 14:05 to 14:05, on a scale of 0 % to 5 %: latest 4.5 %, between 0 % and 4.5 %.');
  });

  it('shows a single sample as a dot where and when it was taken, not as a flat line across the chart', () => {
    const values: (number | null)[] = Array.from({ length: 24 }, () => null);
    values[23] = 3;
    const chart = layoutMetricChart(series('sessions', values), 'Active terminals', { width: 240, height: 50, format: (v) => v.toFixed(0), ...utc });
    expect(chart.path).toBe('');
    expect(chart.dots).toEqual([{ x: 235, y: 20 }]);
    expect(chart.yLabels).toEqual({ top: '5', bottom: '0' });
  });
});
