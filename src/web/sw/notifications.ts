// What the service worker shows (issue 20): a notification for each push, and the outcome of an
// approval answered from a notification's buttons. DOM-free, so that it is unit-tested in Node; the
// worker (service-worker.ts) only hands these to showNotification.
import { PUSH_EVENT_KINDS, type ApprovalDecision, type PushEventKind, type PushMessage } from '../../shared/attention.js';

/** The app's icon, and the monochrome badge Android draws in its status bar (both made by scripts/web-icons.mjs). */
export const NOTIFICATION_ICON = '/icons/icon-192.png';
export const NOTIFICATION_BADGE = '/icons/badge-96.png';

/** The buttons of an approval's notification, where the browser shows buttons. */
export const APPROVAL_ACTIONS = [
  { action: 'allow', title: 'Allow' },
  { action: 'deny', title: 'Deny' },
] as const satisfies readonly { action: ApprovalDecision; title: string }[];

/** What a notification carries for its click and its buttons. */
export interface NotificationData {
  kind: PushEventKind | 'test' | 'answer';
  /** The app path a click opens. */
  url: string;
  sessionId: string | null;
  approvalId: string | null;
  /** The device the message was sent to: answering from the notification names it. */
  deviceId: string | null;
  /** The request's summary line, for the outcome notification. */
  body: string;
}

/** The options showNotification takes, with those the DOM library leaves out (actions, renotify, timestamp). */
export interface NotificationSpec {
  title: string;
  options: NotificationOptions & {
    actions?: { action: string; title: string }[];
    renotify?: boolean;
    timestamp?: number;
    data: NotificationData;
  };
}

const isKind = (value: unknown): value is PushMessage['kind'] => value === 'test' || (PUSH_EVENT_KINDS as readonly unknown[]).includes(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** An app path of Shellport's own ("/terminals/w?session=s"); anything else (another origin, a script URL) becomes '/dashboard'. */
export function appPath(url: unknown): string {
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//') || url.includes('\\')) return '/dashboard';
  return url;
}

/**
 * Reads a push's JSON. A message that is not one of ours still shows a notification (browsers
 * require one for every push, and show a generic one of their own otherwise), leading to the dashboard.
 */
export function parsePushMessage(value: unknown): PushMessage {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return {
    kind: isKind(record.kind) ? record.kind : 'test',
    title: text(record.title) || 'Shellport',
    body: text(record.body) ?? '',
    tag: text(record.tag) || 'shellport',
    url: appPath(record.url),
    sessionId: text(record.sessionId),
    approvalId: text(record.approvalId),
    deviceId: text(record.deviceId),
    sentAt: text(record.sentAt) ?? new Date().toISOString(),
  };
}

/**
 * The notification of a push: one per tag (a terminal's new message replaces its last one, quietly:
 * `renotify` false), and for an approval the Allow and Deny buttons where the browser has buttons.
 */
export function notificationFor(message: PushMessage, { supportsActions }: { supportsActions: boolean }): NotificationSpec {
  const sentAt = Date.parse(message.sentAt);
  const isApproval = message.kind === 'approval' && Boolean(message.approvalId);
  return {
    title: message.title,
    options: {
      body: message.body,
      tag: message.tag,
      renotify: false,
      icon: NOTIFICATION_ICON,
      badge: NOTIFICATION_BADGE,
      ...(Number.isFinite(sentAt) ? { timestamp: sentAt } : {}),
      // An approval waits on the screen until answered (where the platform lets it).
      requireInteraction: isApproval,
      ...(isApproval && supportsActions ? { actions: APPROVAL_ACTIONS.map((action) => ({ ...action })) } : {}),
      data: {
        kind: message.kind,
        url: message.url,
        sessionId: message.sessionId ?? null,
        approvalId: message.approvalId ?? null,
        deviceId: message.deviceId ?? null,
        body: message.body,
      },
    },
  };
}

/** A notification's data as stored (a notification from an older worker may lack fields). */
export function readNotificationData(value: unknown): NotificationData {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return {
    kind: record.kind === 'answer' || isKind(record.kind) ? record.kind : 'test',
    url: appPath(record.url),
    sessionId: text(record.sessionId) ?? null,
    approvalId: text(record.approvalId) ?? null,
    deviceId: text(record.deviceId) ?? null,
    body: text(record.body) ?? '',
  };
}

/** The body of an answer from a notification button (POST /api/approvals/:id/answer). */
export function answerBody(decision: ApprovalDecision, data: NotificationData): { decision: ApprovalDecision; subscriptionId?: string } {
  return data.deviceId ? { decision, subscriptionId: data.deviceId } : { decision };
}

const DECISION_TITLES: Record<ApprovalDecision, string> = { allow: 'Allowed', deny: 'Denied', 'allow-session': 'Allowed for this session' };

const serverMessage = (body: unknown): string | undefined => text((body as { error?: { message?: unknown } } | null)?.error?.message);

/**
 * What the notification says once a button answered: the decision, or why it did not count — already
 * answered elsewhere or timed out (409 `approval_closed`, in the server's words), signed out, or
 * Shellport unreachable (`status` 0). It replaces the request's notification (same tag), quietly;
 * a click still opens the terminal.
 */
export function answerOutcome(decision: ApprovalDecision, data: NotificationData, tag: string, status: number, body: unknown): NotificationSpec {
  let title: string;
  let message: string;
  if (status >= 200 && status < 300) {
    title = DECISION_TITLES[decision];
    message = data.body;
  } else if (status === 409) {
    title = 'Already answered';
    message = serverMessage(body) ?? 'This request was answered on another device or has ended.';
  } else if (status === 401) {
    title = 'Not answered: sign in first';
    message = 'Your sign-in on this device has ended. Open Shellport, sign in, then answer in Approvals.';
  } else if (status === 0) {
    title = 'Not answered';
    message = 'Shellport could not be reached. Open it to answer when you are back online.';
  } else {
    title = 'Not answered';
    message = serverMessage(body) ?? `Shellport refused the answer (HTTP ${status}). Open it to answer there.`;
  }
  return {
    title,
    options: { body: message, tag, renotify: false, icon: NOTIFICATION_ICON, badge: NOTIFICATION_BADGE, data: { ...data, kind: 'answer' } },
  };
}
