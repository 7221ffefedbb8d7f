import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../http/errors.js';
import { ORIGIN_REQUIRED } from '../../http/route-config.js';
import type { ApprovalResponse, ApprovalsResponse } from '../../shared/attention.js';
import { approvalAnswerBody, approvalIdParams } from './schemas.js';
import type { ApprovalService } from './service.js';

/**
 * The approvals inbox (docs/api.md, "Approvals"): the signed-in owner lists the requests and answers
 * them. Answers must come from Shellport's own page (an Origin header, not merely no foreign one).
 */
export async function approvalRoutes(fastify: FastifyInstance, { service }: { service: ApprovalService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/api/approvals', async (): Promise<ApprovalsResponse> => ({ approvals: service.list() }));

  app.get('/api/approvals/:id', { schema: { params: approvalIdParams } }, async (request): Promise<ApprovalResponse> => {
    const approval = service.get(request.params.id);
    if (!approval) throw notFound(`No approval request ${request.params.id}: it never existed, or it was settled long ago.`);
    return { approval };
  });

  app.post('/api/approvals/:id/answer', { config: ORIGIN_REQUIRED, schema: { params: approvalIdParams, body: approvalAnswerBody } }, async (request): Promise<ApprovalResponse> => {
    const approval = await service.answer(request.params.id, request.body, {
      userAgent: request.headers['user-agent'] ?? null,
      ip: request.ip,
      authSessionId: request.authSession?.id ?? null,
    });
    return { approval };
  });
}
