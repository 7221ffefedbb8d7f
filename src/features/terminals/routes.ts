import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TerminalManager } from './manager.js';
import {
  createTerminalSchema,
  listQuerySchema,
  outputQuerySchema,
  renameBodySchema,
  startAgainBodySchema,
  terminalParamsSchema,
} from './schemas.js';

export interface TerminalRoutesOptions {
  manager: TerminalManager;
}

/** The non-streaming half of the terminal protocol over HTTP, for scripts and the web app. */
export async function terminalRoutes(fastify: FastifyInstance, { manager }: TerminalRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const byId = { schema: { params: terminalParamsSchema } };

  app.get('/api/terminals', { schema: { querystring: listQuerySchema } }, async (request) => ({ sessions: await manager.list(request.query) }));

  app.post('/api/terminals', { schema: { body: createTerminalSchema } }, async (request, reply) => {
    const input = request.body;
    if (input.restartOf) return reply.code(201).send(await manager.restart(input.restartOf, input));
    return reply.code(201).send({ session: await manager.create(input) });
  });

  // Every terminal ended by a reboot, started again (issue 19); per terminal, its new session or why not.
  app.post('/api/terminals/start-again', { schema: { body: startAgainBodySchema } }, async (request) => manager.restartEndedByReboot(request.body));

  app.get('/api/terminals/:id', byId, async (request) => ({ session: await manager.get(request.params.id) }));

  app.patch(
    '/api/terminals/:id',
    {
      schema: { params: terminalParamsSchema, body: renameBodySchema },
      // A rename needs a body: the validator reads a missing one as {} (src/http/validation.ts), which
      // would blame `name`; this route has always refused it as the whole value. The params come first,
      // as Fastify checks them before the body.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) {
          terminalParamsSchema.parse(request.params);
          renameBodySchema.parse(request.body);
        }
      },
    },
    async (request) => ({ session: await manager.rename(request.params.id, request.body.name) }),
  );

  app.delete('/api/terminals/:id', byId, async (request) => ({ session: await manager.kill(request.params.id) }));

  // Raw output bytes from offset `since`; the headers say which range they are.
  app.get('/api/terminals/:id/output', { schema: { params: terminalParamsSchema, querystring: outputQuerySchema } }, async (request, reply) => {
    const { id } = request.params;
    const { since, limit } = request.query;
    const output = await manager.readOutput(id, since, limit);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('shellport-output-start', String(output.start))
      .header('shellport-output-end', String(output.end))
      .header('shellport-output-seq', String(output.seq))
      .header('shellport-output-truncated', String(output.start > since))
      .header('shellport-terminal-status', output.status)
      .send(output.data);
  });
}
