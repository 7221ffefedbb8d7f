import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../http/errors.js';
import { ORIGIN_REQUIRED, PUBLIC_ROUTE } from '../../http/route-config.js';
import type { GuessLimiter } from '../preview/guess-limiter.js';
import { createShareBody, shareIdParams, terminalParams, tokenParams } from './schemas.js';
import type { ResolvedShare, ShareService } from './service.js';

export interface ShareRoutesOptions {
  service: ShareService;
  guesses: GuessLimiter;
}

const shareNotFound = () =>
  new AppError(404, 'share_not_found', 'This share link does not work: it was revoked, it expired, its terminal ended, or it was mistyped.');

/**
 * The token behind a share link, or the refusal: 429 once an address has guessed wrong too often
 * (checked before the token, so a right token does not help either), 404 for anything that does not work.
 */
export async function resolveShareToken(
  { service, guesses }: ShareRoutesOptions,
  request: Pick<FastifyRequest, 'ip'>,
  token: string,
): Promise<ResolvedShare> {
  const blocked = guesses.blocked(request.ip);
  if (blocked) {
    throw new AppError(429, 'rate_limited', `Too many share links that do not work from your address. Try again in ${blocked.retryAfterSeconds} seconds.`, {
      retryAfterSeconds: blocked.retryAfterSeconds,
    });
  }
  const resolved = await service.resolve(token);
  if (!resolved) {
    guesses.record(request.ip);
    throw shareNotFound();
  }
  return resolved;
}

/**
 * /api/shares (issue 23 §2, docs/api.md "Share links"): the owner creates, lists and revokes share
 * links; the viewer's page asks what a token shows. Its URL holds the token, so its request lines are
 * logged at warn only (and the logger redacts the path, src/infra/logger.ts).
 */
export async function shareRoutes(fastify: FastifyInstance, options: ShareRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { service } = options;

  app.post('/api/terminals/:id/shares', { config: ORIGIN_REQUIRED, schema: { params: terminalParams, body: createShareBody } }, async (request, reply) =>
    reply.code(201).header('cache-control', 'no-store').send(await service.create(request.params.id, request.body)),
  );

  app.get('/api/shares', async () => ({ shares: await service.list() }));

  app.delete('/api/shares/:id', { config: ORIGIN_REQUIRED, schema: { params: shareIdParams } }, async (request, reply) => {
    await service.revoke(request.params.id);
    return reply.code(204).send();
  });

  app.get('/api/shares/:token', { config: PUBLIC_ROUTE, logLevel: 'warn', schema: { params: tokenParams } }, async (request, reply) => {
    const resolved = await resolveShareToken(options, request, request.params.token);
    return reply.header('cache-control', 'no-store').send(await service.describe(resolved));
  });
}
