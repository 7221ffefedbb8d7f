import type { FastifyInstance } from 'fastify';
import { settingsPatchSchema } from './schemas.js';
import type { SettingsService } from './service.js';
import type { SettingsResponse } from '../../shared/settings.js';

export interface SettingsRoutesOptions {
  /** The app's one settings service (the composition root also hands its default shell to the terminals). */
  service: SettingsService;
}

/** GET/PATCH /api/settings: theme, font size and default shell, with the shells one may choose. */
export async function settingsRoutes(app: FastifyInstance, { service }: SettingsRoutesOptions) {
  app.get('/api/settings', async (): Promise<SettingsResponse> => ({ settings: await service.read(), shells: await service.shellChoices() }));

  app.patch('/api/settings', async (request): Promise<SettingsResponse> => {
    const patch = settingsPatchSchema.parse(request.body ?? {});
    return { settings: await service.update(patch), shells: await service.shellChoices() };
  });
}
