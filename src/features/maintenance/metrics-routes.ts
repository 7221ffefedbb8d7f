import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config/index.js';
import { AppError } from '../../http/errors.js';
import { checkOperatorAccess } from '../auth/operator-access.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { Clock } from '../../infra/clock.js';
import { readSeries, type Series } from './metrics-series.js';
import { DEFAULT_WINDOW_MS, metricsQuerySchema, resolveTime } from './schemas.js';
import type { MetricSeriesView } from '../../shared/maintenance.js';

export interface MetricsRoutesOptions {
  config: Config;
  clock: Clock;
}

export async function metricsRoutes(fastify: FastifyInstance, { config, clock }: MetricsRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/metrics', { config: PUBLIC_ROUTE, logLevel: 'warn' }, async (request, reply) => {
    // Public at the route level (Prometheus cannot sign in with GitHub); guarded by its own rule.
    const access = checkOperatorAccess(request, config);
    if (!access.ok) {
      if (access.status === 401) reply.header('www-authenticate', 'Bearer realm="shellport-metrics"');
      throw new AppError(access.status, access.code, access.message);
    }
    const body = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(body);
  });

  app.get('/api/metrics', { schema: { querystring: metricsQuerySchema } }, async (request): Promise<MetricSeriesView> => {
    const { query } = request;
    const now = clock.now();
    const since = resolveTime(query.since, now, DEFAULT_WINDOW_MS);
    const until = resolveTime(query.until, now, 0);
    if (since >= until) {
      throw new AppError(400, 'invalid_range', '`since` must be earlier than `until`.', { since, until });
    }
    const series = await readSeries(app.db, { metric: query.metric, since, until, points: query.points });
    return toSeriesView(series);
  });
}

function toSeriesView(series: Series): MetricSeriesView {
  return {
    ...series,
    since: series.since.toISOString(),
    until: series.until.toISOString(),
    points: series.points.map((point) => ({ ...point, at: point.at.toISOString() })),
  };
}
