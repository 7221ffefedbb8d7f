import { describe, expect, it } from 'vitest';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../src/http/errors.js';
import { PUBLIC_ROUTE } from '../../src/http/route-config.js';
import { buildTestApp, injectAsOwner } from '../helpers/app.js';

async function appWithProbeRoutes() {
  const testApp = await buildTestApp();
  const body = z.object({ name: z.string().min(1), cols: z.number().int().max(1000) });
  testApp.app.post('/probe/validate', { config: PUBLIC_ROUTE }, async (request) => body.parse(request.body));
  testApp.app.get('/probe/conflict', { config: PUBLIC_ROUTE }, async () => {
    throw new AppError(409, 'workspace_busy', 'Another git operation is running on this workspace; try again when it finishes.');
  });
  testApp.app.get('/probe/crash', { config: PUBLIC_ROUTE }, async () => {
    throw new Error('internal detail: /srv/secret/path token=abc123');
  });
  return testApp;
}

describe('error responses', () => {
  it('turns validation failures into 400 naming each field', async () => {
    const { app } = await appWithProbeRoutes();
    const response = await app.inject({ method: 'POST', url: '/probe/validate', payload: { name: '', cols: 5000 } });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([
      { field: 'name', message: expect.any(String) },
      { field: 'cols', message: expect.any(String) },
    ]);
    expect(error.message).toMatch(/name: .*; cols: /);
  });

  it('answers a schema declared on the route exactly as a ZodError thrown by the handler', async () => {
    const { app } = await buildTestApp();
    const params = z.object({ id: z.uuid({ error: 'a workspace id' }) });
    const body = z.object({ name: z.string().min(1), vars: z.array(z.object({ key: z.string() })) }).strict();
    const query = z.object({ limit: z.coerce.number().int().max(10).optional() });
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.post('/probe/declared/:id', { config: PUBLIC_ROUTE, schema: { params, body, querystring: query } }, async (request) => ({
      id: request.params.id,
      name: request.body.name,
      limit: request.query.limit ?? null,
    }));
    app.post('/probe/by-hand/:id', { config: PUBLIC_ROUTE }, async (request) => {
      const { id } = params.parse(request.params);
      const { name } = body.parse(request.body ?? {});
      return { id, name, limit: query.parse(request.query).limit ?? null };
    });
    const id = '6f1c1c1e-8f4a-4c57-9a55-0d8b2f2b6f3e';
    const cases = [
      { id: 'nope', payload: { name: 'x', vars: [] } },
      { id, payload: { name: '', vars: [{ key: 1 }], extra: true } },
      { id, payload: undefined },
      { id, payload: 'null', json: true },
      { id, payload: [1, 2] },
      { id, payload: { name: 'x', vars: [] }, query: '?limit=50' },
      { id, payload: { name: 'x', vars: [] }, query: '?limit=5' },
    ];
    for (const { id: target, payload, query: search = '', json } of cases) {
      const request = (route: string) =>
        app.inject({
          method: 'POST',
          url: `/probe/${route}/${target}${search}`,
          ...(payload === undefined ? {} : { payload: payload as object }),
          ...(json ? { headers: { 'content-type': 'application/json' } } : {}),
        });
      const [declared, byHand] = await Promise.all([request('declared'), request('by-hand')]);
      expect(declared.statusCode, JSON.stringify(payload)).toBe(byHand.statusCode);
      expect(declared.json(), JSON.stringify(payload)).toEqual(byHand.json());
    }
  });

  it('answers malformed JSON with 400 in the same shape', async () => {
    const { app } = await appWithProbeRoutes();
    const response = await app.inject({
      method: 'POST',
      url: '/probe/validate',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('keeps the status and code of domain errors', async () => {
    const { app } = await appWithProbeRoutes();
    const response = await app.inject({ method: 'GET', url: '/probe/conflict' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toEqual({
      code: 'workspace_busy',
      message: 'Another git operation is running on this workspace; try again when it finishes.',
    });
  });

  it('hides unexpected errors behind a request id and logs them', async () => {
    const { app, logLines } = await appWithProbeRoutes();
    const response = await app.inject({ method: 'GET', url: '/probe/crash' });
    expect(response.statusCode).toBe(500);
    const { error } = response.json();
    expect(error.code).toBe('internal_error');
    expect(error.requestId).toBe(response.headers['x-request-id']);
    expect(response.body).not.toContain('internal detail');
    expect(response.body).not.toContain('abc123');
    const logged = logLines().find((line) => line.msg === 'request failed');
    expect(logged?.reqId).toBe(error.requestId);
    expect((logged?.err as { message: string }).message).toContain('internal detail');
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    const { app } = await appWithProbeRoutes();
    const response = await injectAsOwner(app, { method: 'GET', url: '/no/such/route?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /no/such/route.' } });
  });
});
