import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ORIGIN_REQUIRED } from '../../http/route-config.js';
import { mcpServerBody, mcpServerIdParams, type McpServers } from './mcp-servers.js';

/** /api/mcp-servers (docs/api.md, "MCP servers"): the list agent runs pick from. Changes want Shellport's Origin. */
export async function mcpServerRoutes(fastify: FastifyInstance, { servers }: { servers: McpServers }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/mcp-servers', async () => ({ servers: await servers.list() }));

  app.post('/api/mcp-servers', { config: ORIGIN_REQUIRED, schema: { body: mcpServerBody } }, async (request, reply) => {
    return reply.code(201).send({ server: await servers.create(request.body) });
  });

  app.put('/api/mcp-servers/:id', { config: ORIGIN_REQUIRED, schema: { params: mcpServerIdParams, body: mcpServerBody } }, async (request) => ({
    server: await servers.update(request.params.id, request.body),
  }));

  app.delete('/api/mcp-servers/:id', { config: ORIGIN_REQUIRED, schema: { params: mcpServerIdParams } }, async (request, reply) => {
    await servers.remove(request.params.id);
    return reply.code(204).send();
  });
}
