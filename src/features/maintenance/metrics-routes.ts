import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import { AppError } from '../../http/errors.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { Clock } from '../../infra/clock.js';
import { readSeries, type Series } from './metrics-series.js';
import { DEFAULT_WINDOW_MS, metricsQuerySchema, resolveTime } from './schemas.js';
import type { MetricSeriesView } from './wire.js';

export interface MetricsRoutesOptions {
  config: Config;
  clock: Clock;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests so that neither the token's content nor its length leaks through timing. */
export function isTokenEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * GET /metrics is public at the route level (Prometheus cannot sign in with GitHub) and guards
 * itself: with METRICS_TOKEN set it wants `Authorization: Bearer <token>`; without one it answers
 * only when the server listens on a loopback address. The listening address decides, not the
 * peer's: behind a local reverse proxy every peer is 127.0.0.1.
 */
function ensureMetricsAccess(request: FastifyRequest, config: Config) {
  const token = config.metrics.token;
  if (token) {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !isTokenEqual(match[1]!, token)) {
      throw new AppError(401, 'metrics_token_required', 'Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`.');
    }
    return;
  }
  if (!config.server.isLoopbackOnly) {
    throw new AppError(
      403,
      'metrics_not_exposed',
      'Set METRICS_TOKEN to expose /metrics: without a token it is served only when Shellport listens on a loopback address.',
    );
  }
}

export async function metricsRoutes(app: FastifyInstance, { config, clock }: MetricsRoutesOptions) {
  app.get('/metrics', { config: PUBLIC_ROUTE, logLevel: 'warn' }, async (request, reply) => {
    try {
      ensureMetricsAccess(request, config);
    } catch (error) {
      if (error instanceof AppError && error.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="shellport-metrics"');
      throw error;
    }
    const body = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(body);
  });

  app.get('/api/metrics', async (request): Promise<MetricSeriesView> => {
    const query = metricsQuerySchema.parse(request.query);
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
