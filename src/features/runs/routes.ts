import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ORIGIN_REQUIRED } from '../../http/route-config.js';
import { FINISHED_RUN_STATUSES, type RunEventView, type RunStatus } from '../../shared/runs.js';
import { continueRunBody, createRunBody, runEventsQuery, runIdParams, workspaceIdParams } from './schemas.js';
import type { RunService } from './service.js';

const HEARTBEAT_MS = 15_000;

const endsRun = (event: RunEventView) => event.type === 'status' && FINISHED_RUN_STATUSES.includes(event.payload.status as RunStatus);

/**
 * The runs API (docs/api.md, "Agent runs"). State-changing routes want Shellport's own Origin: they
 * start programs that act in the workspace.
 */
export async function runRoutes(fastify: FastifyInstance, { service }: { service: RunService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const streams = new Set<PassThrough>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.post('/api/workspaces/:id/runs', { config: ORIGIN_REQUIRED, schema: { params: workspaceIdParams, body: createRunBody } }, async (request, reply) => {
    return reply.code(201).send({ run: await service.create(request.params.id, request.body) });
  });

  app.get('/api/workspaces/:id/runs', { schema: { params: workspaceIdParams } }, async (request) => ({ runs: await service.list(request.params.id) }));

  app.get('/api/runs/:id', { schema: { params: runIdParams } }, async (request) => ({ run: await service.get(request.params.id) }));

  // The transcript after `since` (at most 1000 events; ask again from the last seq for more).
  app.get('/api/runs/:id/events', { schema: { params: runIdParams, querystring: runEventsQuery } }, async (request) => ({
    events: await service.events(request.params.id, request.query.since),
  }));

  /**
   * Server-sent events: the stored transcript after `since`, then each new event as it is stored, until
   * the run ends. Subscribes before reading the database and drops what the read already sent, so
   * nothing falls between the two. Each event's `id:` is its seq (EventSource's Last-Event-ID).
   */
  app.get('/api/runs/:id/stream', { schema: { params: runIdParams, querystring: runEventsQuery } }, async (request, reply) => {
    const { id } = request.params;
    const lastEventId = Number(request.headers['last-event-id']);
    let sent = Number.isInteger(lastEventId) && lastEventId > 0 ? Math.max(lastEventId, request.query.since) : request.query.since;
    const run = await service.get(id);
    const stream = new PassThrough();
    streams.add(stream);
    let ended = false;
    const buffered: RunEventView[] = [];
    let replaying = true;
    const send = (event: RunEventView) => {
      if (ended || event.seq <= sent) return;
      sent = event.seq;
      // No `event:` line: a transcript event of type `error` would be taken for EventSource's own.
      stream.write(`id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
      if (endsRun(event)) finish();
    };
    const unsubscribe = service.subscribe(id, (event) => (replaying ? buffered.push(event) : send(event)));
    const heartbeat = setInterval(() => stream.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    function finish() {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(stream);
      stream.end();
    }
    reply.raw.on('close', finish);
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no');
    stream.write(': run events\n\n');
    for (;;) {
      const page = await service.events(id, sent);
      for (const event of page) send(event);
      if (page.length < 1000 || ended) break;
    }
    replaying = false;
    for (const event of buffered.splice(0)) send(event);
    // An ended run whose last event was sent before `since`: nothing more will come.
    if (!ended && FINISHED_RUN_STATUSES.includes(run.status) && (await service.get(id)).status === run.status) {
      const rest = await service.events(id, sent);
      for (const event of rest) send(event);
      finish();
    }
    return reply.send(stream);
  });

  app.delete('/api/runs/:id', { config: ORIGIN_REQUIRED, schema: { params: runIdParams } }, async (request) => ({ deleted: true, ...(await service.remove(request.params.id)) }));

  app.post('/api/runs/:id/cancel', { config: ORIGIN_REQUIRED, schema: { params: runIdParams } }, async (request) => ({ run: await service.cancel(request.params.id) }));

  app.post('/api/runs/:id/retry', { config: ORIGIN_REQUIRED, schema: { params: runIdParams } }, async (request, reply) => {
    return reply.code(201).send({ run: await service.retry(request.params.id) });
  });

  app.post('/api/runs/:id/continue', { config: ORIGIN_REQUIRED, schema: { params: runIdParams, body: continueRunBody } }, async (request, reply) => {
    return reply.code(201).send({ run: await service.continue(request.params.id, request.body.prompt) });
  });
}
