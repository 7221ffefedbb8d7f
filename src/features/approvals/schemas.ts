import { z } from 'zod';
import { APPROVAL_DECISIONS, MAX_APPROVAL_REASON_LENGTH } from '../../shared/attention.js';

export const approvalIdParams = z.object({ id: z.string().uuid({ error: 'an approval id (a UUID)' }) });

/** POST /api/approvals/:id/answer (ApprovalAnswer). */
export const approvalAnswerBody = z
  .object({
    decision: z.enum(APPROVAL_DECISIONS, { error: 'allow, deny or allow-session' }),
    reason: z.string().max(MAX_APPROVAL_REASON_LENGTH).optional(),
    subscriptionId: z.string().min(1).max(200).optional(),
  })
  .strict();
