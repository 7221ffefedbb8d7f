import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../http/errors.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { CloneEvent } from '../../shared/workspaces.js';
import { isLoopbackAddress } from './credentials.js';
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
export async function workspaceRoutes(app: FastifyInstance) {
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

  /** Server-sent events of clone progress: all workspaces, or one (which ends once its clone has). */
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

  app.post('/api/workspaces', async (request, reply) => {
    const body = createWorkspaceBody.parse(request.body ?? {});
    return reply.code(202).send({ workspace: await service.create(body) });
  });

  app.get('/api/workspaces/events', async (request, reply) => streamCloneEvents(request, reply, null));

  app.get('/api/workspaces/:id', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return { workspace: await service.get(id) };
  });

  app.get('/api/workspaces/:id/events', async (request, reply) => {
    const { id } = workspaceIdParams.parse(request.params);
    return streamCloneEvents(request, reply, id);
  });

  app.delete('/api/workspaces/:id', async (request, reply) => {
    const { id } = workspaceIdParams.parse(request.params);
    const { confirm } = deleteWorkspaceQuery.parse(request.query);
    await service.remove(id, confirm);
    return reply.code(204).send();
  });

  app.post('/api/workspaces/:id/cancel', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return { workspace: await service.cancelClone(id) };
  });

  app.post('/api/workspaces/:id/clone', async (request, reply) => {
    const { id } = workspaceIdParams.parse(request.params);
    return reply.code(202).send({ workspace: await service.retryClone(id) });
  });

  app.post('/api/workspaces/:id/fetch', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return { status: await service.fetch(id) };
  });

  app.post('/api/workspaces/:id/pull', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return { status: await service.pull(id) };
  });

  app.get('/api/workspaces/:id/status', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return { status: await service.status(id) };
  });

  app.get('/api/workspaces/:id/branches', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return service.branches(id);
  });

  app.post('/api/workspaces/:id/switch', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    const { branch } = switchBranchBody.parse(request.body ?? {});
    return { status: await service.switchBranch(id, branch) };
  });

  app.get('/api/workspaces/:id/env', async (request) => {
    const { id } = workspaceIdParams.parse(request.params);
    return { variables: await service.listEnv(id) };
  });

  app.put('/api/workspaces/:id/env/:name', async (request) => {
    const { id, name } = envVarParams.parse(request.params);
    return { variable: await service.setEnv(id, name, envVarBody.parse(request.body ?? {})) };
  });

  app.delete('/api/workspaces/:id/env/:name', async (request, reply) => {
    const { id, name } = envVarParams.parse(request.params);
    await service.deleteEnv(id, name);
    return reply.code(204).send();
  });

  // Called by scripts/git-credential-shellport from inside a terminal, never by a browser.
  app.post(CREDENTIAL_ROUTE, { config: PUBLIC_ROUTE }, async (request, reply) => {
    const socket = request.raw.socket;
    const sameHost = isLoopbackAddress(socket.remoteAddress) || (socket.remoteAddress !== undefined && socket.remoteAddress === socket.localAddress);
    // A reverse proxy on this host would make every visitor look local: proxied requests are refused.
    const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined;
    if (!sameHost || proxied) throw new AppError(403, 'credential_refused', 'Git credentials are only given to terminals on this server.');
    const authorization = request.headers.authorization ?? '';
    const secret = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization)?.[1];
    const body = credentialRequestBody.parse(request.body ?? {});
    const answer = await credentials.answer(secret, body, { ip: socket.remoteAddress ?? null });
    return reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(answer);
  });
}
