import type { FastifyInstance } from 'fastify';
import type { TerminalManager } from './manager.js';
import {
  createTerminalSchema,
  listQuerySchema,
  outputQuerySchema,
  renameBodySchema,
  terminalParamsSchema,
} from './schemas.js';

export interface TerminalRoutesOptions {
  manager: TerminalManager;
}

/** The non-streaming half of the terminal protocol over HTTP, for scripts and the web app. */
export async function terminalRoutes(app: FastifyInstance, { manager }: TerminalRoutesOptions) {
  app.get('/api/terminals', async (request) => ({ sessions: await manager.list(listQuerySchema.parse(request.query)) }));

  app.post('/api/terminals', async (request, reply) => {
    const input = createTerminalSchema.parse(request.body ?? {});
    return reply.code(201).send({ session: await manager.create(input) });
  });

  app.get('/api/terminals/:id', async (request) => {
    const { id } = terminalParamsSchema.parse(request.params);
    return { session: await manager.get(id) };
  });

  app.patch('/api/terminals/:id', async (request) => {
    const { id } = terminalParamsSchema.parse(request.params);
    const { name } = renameBodySchema.parse(request.body);
    return { session: await manager.rename(id, name) };
  });

  app.delete('/api/terminals/:id', async (request) => {
    const { id } = terminalParamsSchema.parse(request.params);
    return { session: await manager.kill(id) };
  });

  // Raw output bytes from offset `since`; the headers say which range they are.
  app.get('/api/terminals/:id/output', async (request, reply) => {
    const { id } = terminalParamsSchema.parse(request.params);
    const { since, limit } = outputQuerySchema.parse(request.query);
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
