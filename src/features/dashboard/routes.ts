import type { FastifyInstance } from 'fastify';
import type { DashboardResponse } from '../../shared/attention.js';
import type { Dashboard } from './service.js';

/** GET /api/dashboard: every running terminal and agent run, the ones needing the owner first (docs/api.md). */
export async function dashboardRoutes(app: FastifyInstance, { dashboard }: { dashboard: Dashboard }) {
  app.get('/api/dashboard', async (): Promise<DashboardResponse> => {
    const [terminals, runs] = await Promise.all([dashboard.terminals(), dashboard.runs()]);
    return { terminals, runs };
  });
}
