import { z } from 'zod';

/** GET /api/github/repos: the repository browser's search, order, page and whether to skip the cache. */
export const reposQuery = z.object({
  q: z.string().trim().max(200).optional(),
  sort: z.enum(['pushed', 'name']).default('pushed'),
  refresh: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  perPage: z.coerce.number().int().min(1).max(100).default(100),
});
