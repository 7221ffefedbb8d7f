import type { Database } from '../../infra/database/client.js';
import type { Clock } from '../../infra/clock.js';

/**
 * `git_credential`: a terminal's git asked for the owner's token (src/features/workspaces/credentials.ts).
 * `sign_in_request`: a signed-in browser approved or turned down another browser's device-code sign-in.
 * `approval`: an agent's permission request was settled: answered, timed out or withdrawn (src/features/approvals).
 * `device_link`: a signed-in browser asked for a link that signs a phone in (issue 22 §3); its uses are `login` or `denied` rows with method `device_link`.
 */
export type AuthAction = 'login' | 'logout' | 'denied' | 'token_refresh' | 'api_access' | 'git_credential' | 'sign_in_request' | 'approval' | 'device_link';

export interface AuthEvent {
  action: AuthAction;
  success: boolean;
  ip?: string | null;
  userAgent?: string | null;
  /** Plain facts (GitHub login and id, method, reason). Never tokens, codes or cookie values. */
  details?: Record<string, unknown>;
}

/** Appends one AuthLog row: the security history the operations screen shows. */
export async function recordAuthEvent(db: Database, clock: Clock, event: AuthEvent): Promise<void> {
  await db.authLog.create({
    data: {
      action: event.action,
      success: event.success,
      ip: event.ip ?? null,
      userAgent: event.userAgent?.slice(0, 512) ?? null,
      details: JSON.stringify(event.details ?? {}),
      createdAt: clock.now(),
    },
  });
}
