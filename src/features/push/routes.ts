import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { PushDeviceResponse, PushResponse, PushTestResponse } from '../../shared/attention.js';
import { deviceParamsSchema, deviceUpdateSchema, subscribeBodySchema } from './schemas.js';
import type { PushService } from './service.js';

export interface PushRoutesOptions {
  service: PushService;
  /** The VAPID public key browsers subscribe with (applicationServerKey). */
  publicKey: string;
}

/** /api/push: the VAPID public key, the subscribed devices, their preferences and a test push. Endpoints are never shown. */
export async function pushRoutes(fastify: FastifyInstance, { service, publicKey }: PushRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/api/push', async (): Promise<PushResponse> => ({ publicKey, devices: await service.list() }));

  app.post('/api/push/devices', { schema: { body: subscribeBodySchema } }, async (request, reply) => {
    const { device, created } = await service.subscribe(request.body);
    return reply.code(created ? 201 : 200).send({ device } satisfies PushDeviceResponse);
  });

  app.patch('/api/push/devices/:id', { schema: { params: deviceParamsSchema, body: deviceUpdateSchema } }, async (request): Promise<PushDeviceResponse> => {
    return { device: await service.update(request.params.id, request.body) };
  });

  app.delete('/api/push/devices/:id', { schema: { params: deviceParamsSchema } }, async (request, reply) => {
    await service.remove(request.params.id);
    return reply.code(204).send();
  });

  app.post('/api/push/devices/:id/test', { schema: { params: deviceParamsSchema } }, async (request): Promise<PushTestResponse> => {
    const { device, statusCode } = await service.sendTest(request.params.id);
    return { delivered: true, statusCode, device };
  });
}
