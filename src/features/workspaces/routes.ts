import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../http/errors.js';
import { bearerSecret, isLocalCaller } from '../../http/local-caller.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { CloneEvent } from '../../shared/workspaces.js';
import {
  createWorkspaceBody,
  credentialRequestBody,
  deleteWorkspaceQuery,
  envVarBody,
  envVarParams,
  switchBranchBody,
  workspaceIdParams,
} from './schemas.js';
import { CREDENTIAL_ROUTE } from './terminal-context.js';

const HEARTBEAT_MS = 15_000;

/**
 * The workspaces API (docs/api.md, "Workspaces"): every route behind the auth guard except the
 * terminal credential endpoint, which does its own checks (secret, loopback peer, GitHub host).
 * Needs `app.workspaces` (plugin.ts).
 */
export async function workspaceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { service, events, credentials } = app.workspaces;
  /** Open event streams, with the sign-in session each was opened under. */
  const streams = new Map<PassThrough, { reply: FastifyReply; authSessionId: string | null }>();
  const endStream = (stream: PassThrough, reply: FastifyReply) => {
    streams.delete(stream);
    stream.end();
    reply.raw.destroy();
  };
  // Open event streams would hold the server open: end them and drop their connections.
  app.addHook('preClose', async () => {
    for (const [stream, { reply }] of streams) endStream(stream, reply);
  });
  // A stream, like a terminal connection, ends with its sign-in (sign-out, revoke, expiry).
  const stopWatching = app.auth.sessions.onEnded((ids) => {
    const ended = new Set(ids);
    for (const [stream, { reply, authSessionId }] of streams) if (authSessionId && ended.has(authSessionId)) endStream(stream, reply);
  });
  app.addHook('onClose', async () => stopWatching());

  /**
   * Server-sent events of clone progress: all workspaces, or one (which ends once its clone has).
   * Hand-written on purpose (issue 17): @fastify/sse 0.6 and fastify-sse-v2 4.2 both write the head
   * on the raw response, past Fastify's onSend hooks (our x-request-id, the `connection: close` of a
   * closing server), and fastify-sse-v2 hijacks the reply and sends a `retry:` line first; neither
   * heartbeat can re-check the sign-in (fastify-sse-v2 has none), so the timers that end a stream with
   * its sign-in would stay ours anyway. A PassThrough handed to reply.send keeps Fastify's reply path.
   */
  async function streamCloneEvents(request: FastifyRequest, reply: FastifyReply, workspaceId: string | null) {
    let initial: CloneEvent | null = null;
    if (workspaceId) {
      const view = await service.get(workspaceId);
      if (view.cloneState === 'ready' || view.cloneState === 'error') {
        initial = {
          workspaceId,
          phase: view.cloneState === 'ready' ? 'done' : 'failed',
          percent: view.cloneState === 'ready' ? 100 : 0,
          processed: 0,
          total: 0,
          state: view.cloneState,
          ...(view.cloneError ? { message: view.cloneError } : {}),
        };
      }
    }
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no');
    // A clone that has already finished: its final state, and the stream ends.
    if (initial) return reply.send(`data: ${JSON.stringify(initial)}\n\n`);

    const stream = new PassThrough();
    streams.set(stream, { reply, authSessionId: request.authSession?.id ?? null });
    const send = (event: CloneEvent) => stream.write(`data: ${JSON.stringify(event)}\n\n`);
    const finished = (event: CloneEvent) => event.state === 'ready' || event.state === 'error';
    stream.write(': clone progress\n\n');
    let unsubscribe = () => {};
    // The heartbeat re-checks the sign-in too: the backstop for sessions ended where no one was told.
    const heartbeat = setInterval(() => {
      stream.write(': ping\n\n');
      void app.auth.isStillSignedIn(request).then((signedIn) => {
        if (!signedIn && streams.has(stream)) endStream(stream, reply);
      }, (error: unknown) => app.log.warn({ err: error }, 'checking the sign-in of a clone event stream failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(stream);
      stream.end();
    };
    for (const event of events.all()) if (!workspaceId || event.workspaceId === workspaceId) send(event);
    unsubscribe = events.subscribe((event) => {
      if (workspaceId && event.workspaceId !== workspaceId) return;
      send(event);
      if (workspaceId && finished(event)) cleanup();
    });
    reply.raw.on('close', cleanup);
    // The clone may have finished between the lookup above and the subscription: say so and end.
    if (workspaceId && !events.current(workspaceId)) {
      const view = await service.get(workspaceId).catch(() => null);
      send({
        workspaceId,
        phase: view?.cloneState === 'ready' ? 'done' : 'failed',
        percent: view?.cloneState === 'ready' ? 100 : 0,
        processed: 0,
        total: 0,
        state: view?.cloneState === 'ready' ? 'ready' : 'error',
        ...(view?.cloneError ? { message: view.cloneError } : view ? {} : { message: 'The workspace was deleted.' }),
      });
      cleanup();
    }
    return reply.send(stream);
  }

  app.get('/api/workspaces', async () => ({ workspaces: await service.list() }));

  app.post('/api/workspaces', { schema: { body: createWorkspaceBody } }, async (request, reply) => {
    return reply.code(202).send({ workspace: await service.create(request.body) });
  });

  app.get('/api/workspaces/events', async (request, reply) => streamCloneEvents(request, reply, null));

  const byId = { schema: { params: workspaceIdParams } };

  app.get('/api/workspaces/:id', byId, async (request) => ({ workspace: await service.get(request.params.id) }));

  app.get('/api/workspaces/:id/events', byId, async (request, reply) => streamCloneEvents(request, reply, request.params.id));

  app.delete('/api/workspaces/:id', { schema: { params: workspaceIdParams, querystring: deleteWorkspaceQuery } }, async (request, reply) => {
    await service.remove(request.params.id, request.query.confirm);
    return reply.code(204).send();
  });

  app.post('/api/workspaces/:id/cancel', byId, async (request) => ({ workspace: await service.cancelClone(request.params.id) }));

  app.post('/api/workspaces/:id/clone', byId, async (request, reply) => {
    return reply.code(202).send({ workspace: await service.retryClone(request.params.id) });
  });

  app.post('/api/workspaces/:id/fetch', byId, async (request) => ({ status: await service.fetch(request.params.id) }));

  app.post('/api/workspaces/:id/pull', byId, async (request) => ({ status: await service.pull(request.params.id) }));

  app.get('/api/workspaces/:id/status', byId, async (request) => ({ status: await service.status(request.params.id) }));

  app.get('/api/workspaces/:id/branches', byId, async (request) => service.branches(request.params.id));

  app.post('/api/workspaces/:id/switch', { schema: { params: workspaceIdParams, body: switchBranchBody } }, async (request) => {
    return { status: await service.switchBranch(request.params.id, request.body.branch) };
  });

  app.get('/api/workspaces/:id/env', byId, async (request) => ({ variables: await service.listEnv(request.params.id) }));

  app.put('/api/workspaces/:id/env/:name', { schema: { params: envVarParams, body: envVarBody } }, async (request) => {
    const { id, name } = request.params;
    return { variable: await service.setEnv(id, name, request.body) };
  });

  app.delete('/api/workspaces/:id/env/:name', { schema: { params: envVarParams } }, async (request, reply) => {
    await service.deleteEnv(request.params.id, request.params.name);
    return reply.code(204).send();
  });

  // Called by scripts/git-credential-shellport from inside a terminal, never by a browser. Where the
  // request comes from is checked before its body is validated (preValidation), so a stranger learns
  // only that it is refused.
  app.post(
    CREDENTIAL_ROUTE,
    {
      config: PUBLIC_ROUTE,
      schema: { body: credentialRequestBody },
      preValidation: async (request) => {
        // Loopback only, never through a proxy (src/http/local-caller.ts).
        if (!isLocalCaller(request)) throw new AppError(403, 'credential_refused', 'Git credentials are only given to terminals on this server.');
      },
    },
    async (request, reply) => {
      const answer = await credentials.answer(bearerSecret(request), request.body, { ip: request.raw.socket.remoteAddress ?? null });
      return reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(answer);
    },
  );
}
