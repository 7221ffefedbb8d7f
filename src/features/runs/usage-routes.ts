import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ORIGIN_REQUIRED } from '../../http/route-config.js';
import type { BudgetView, PriceView, PricesResponse, UsageResponse } from '../../shared/usage.js';
import type { Budget } from './budget.js';
import type { PriceStore } from './prices-store.js';
import type { Usage } from './usage.js';
import { budgetBody, priceEditBody, priceModelParams, usageQuery } from './usage-schemas.js';

export interface UsageRoutesOptions {
  prices: PriceStore;
  usage: Usage;
  budget: Budget;
}

/** /api/prices (the price table, editable), /api/usage (totals) and /api/budget (docs/api.md, "Usage and cost"). */
export async function usageRoutes(fastify: FastifyInstance, { prices, usage, budget }: UsageRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/api/prices', async (): Promise<PricesResponse> => ({ prices: await prices.list() }));

  app.put('/api/prices/:model', { config: ORIGIN_REQUIRED, schema: { params: priceModelParams, body: priceEditBody } }, async (request): Promise<{ price: PriceView }> => ({
    price: await prices.set(request.params.model, request.body),
  }));

  app.delete('/api/prices/:model', { config: ORIGIN_REQUIRED, schema: { params: priceModelParams } }, async (request): Promise<{ price: PriceView | null }> => ({
    price: await prices.reset(request.params.model),
  }));

  app.get('/api/usage', { schema: { querystring: usageQuery } }, async (request): Promise<UsageResponse> => ({
    timeZone: 'UTC',
    ...(await usage.totals(request.query)),
    budget: await budget.read(),
  }));

  app.get('/api/budget', async (): Promise<{ budget: BudgetView }> => ({ budget: await budget.read() }));

  app.put('/api/budget', { config: ORIGIN_REQUIRED, schema: { body: budgetBody } }, async (request): Promise<{ budget: BudgetView }> => ({ budget: await budget.update(request.body) }));

  app.post('/api/budget/resume', { config: ORIGIN_REQUIRED }, async (): Promise<{ budget: BudgetView }> => ({ budget: await budget.resume() }));
}
