import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { settingsPatchSchema } from './schemas.js';
import { createSettingsService } from './service.js';
import type { SettingsResponse } from '../../shared/settings.js';

export interface SettingsRoutesOptions {
  config: Config;
}

/** GET/PATCH /api/settings: theme, font size and default shell, with the shells one may choose. */
export async function settingsRoutes(app: FastifyInstance, { config }: SettingsRoutesOptions) {
  const service = createSettingsService({ db: app.db, config });

  app.get('/api/settings', async (): Promise<SettingsResponse> => ({ settings: await service.read(), shells: await service.shellChoices() }));

  app.patch('/api/settings', async (request): Promise<SettingsResponse> => {
    const patch = settingsPatchSchema.parse(request.body ?? {});
    return { settings: await service.update(patch), shells: await service.shellChoices() };
  });
}
