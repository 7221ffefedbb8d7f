import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { settingsPatchSchema } from './schemas.js';
import type { SettingsService } from './service.js';
import type { SettingsResponse } from '../../shared/settings.js';

export interface SettingsRoutesOptions {
  /** The app's one settings service (the composition root also hands its default shell to the terminals). */
  service: SettingsService;
}

/** GET/PATCH /api/settings: theme, font size, default shell and approval timeout, with the shells one may choose. */
export async function settingsRoutes(fastify: FastifyInstance, { service }: SettingsRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/settings', async (): Promise<SettingsResponse> => ({ settings: await service.read(), shells: await service.shellChoices() }));

  app.patch('/api/settings', { schema: { body: settingsPatchSchema } }, async (request): Promise<SettingsResponse> => {
    return { settings: await service.update(request.body), shells: await service.shellChoices() };
  });
}
