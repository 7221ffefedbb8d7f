import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus instruments, one registry per app instance (prom-client's global registry would
 * be shared by every app a test builds). Features update them; /metrics serialises the registry.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shellport_' });
  return {
    registry,
    terminalBytes: new Counter({
      name: 'shellport_terminal_bytes_total',
      help: 'Bytes through terminals: direction="out" is PTY output delivered to the server, "in" is input written to PTYs.',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    activeTerminalSessions: new Gauge({
      name: 'shellport_terminal_sessions_active',
      help: 'Terminal sessions whose shell is running.',
      registers: [registry],
    }),
    clonesInProgress: new Gauge({
      name: 'shellport_clones_in_progress',
      help: 'Workspace clones currently running.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onClose', async () => metrics.registry.clear());
  },
  { name: 'metrics' },
);
