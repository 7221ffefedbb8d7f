// Answering an agent's permission request from the inbox or the dashboard (POST /api/approvals/:id/answer).
import type { ApprovalAnswer, ApprovalDecision } from '../../shared/attention.js';
import { api, ApiError, describeError } from '../app/api.js';
import { OWN_DEVICE_KEY, parseOwnDevice } from './push-setup.js';

export type AnswerResult = { ok: true } | { ok: false; stale: boolean; message: string };

/** This browser's push device, which names it in the request's record ("Allowed by iPhone"). */
function ownDeviceId(): string | undefined {
  try {
    return parseOwnDevice(localStorage.getItem(OWN_DEVICE_KEY))?.id;
  } catch {
    return undefined;
  }
}

/** Sends the answer. `stale`: the request was answered elsewhere or ended first (409 approval_closed); the message is the server's. */
export async function answerApproval(id: string, decision: ApprovalDecision, reason = ''): Promise<AnswerResult> {
  const body: ApprovalAnswer = { decision };
  if (reason.trim()) body.reason = reason.trim();
  const subscriptionId = ownDeviceId();
  if (subscriptionId) body.subscriptionId = subscriptionId;
  try {
    await api(`/api/approvals/${encodeURIComponent(id)}/answer`, { method: 'POST', body });
    return { ok: true };
  } catch (error) {
    const stale = error instanceof ApiError && (error.code === 'approval_closed' || error.status === 409);
    return { ok: false, stale, message: describeError(error) };
  }
}
