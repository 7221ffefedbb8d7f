// When a terminal's change reaches the owner's devices, and what the notification says (issue 20 §2).
// Pure: no clock, no timers, no I/O; the notifier (notifier.ts) feeds it and keeps the state.
import { PUSH_EVENT_KIND_LABELS, PUSH_EVENT_KINDS, type Approval, type PushEventKind, type PushMessage, type PushPreferences, type QuietHours } from '../../shared/attention.js';
import type { TerminalActivity } from '../../shared/terminals.js';

/** What a notification calls a terminal: `describeTerminal(sessionId)` in the composition root. */
export interface TerminalDescription {
  title: string;
  workspaceId: string | null;
  workspaceName: string | null;
  /** Where a click leads, when not the terminal itself (an agent run's page). */
  url?: string;
  /** Only its approval requests are pushed (an agent run's terminal: the run pushes its own end). */
  approvalsOnly?: boolean;
}

export type PushKind = PushEventKind | 'test';

/**
 * The kind of push an activity change calls for, or null: only a change that wants the owner
 * (`needsYou`) pushes. A bell is `waiting` without a message; a finished command that ran long is
 * `long-command`, a `finished` that wants the owner otherwise comes from an agent's Stop hook.
 */
export function pushKindFor(activity: TerminalActivity): PushEventKind | null {
  if (!activity.needsYou) return null;
  switch (activity.state) {
    case 'approval':
      return 'approval';
    case 'waiting':
      return activity.message ? 'waiting' : 'bell';
    case 'finished':
      return activity.longCommand ? 'long-command' : 'finished';
    case 'failed':
      return 'failed';
    default:
      return null;
  }
}

/** One state change of one terminal: the same state entered at the same time is the same change. */
export function activityKey(activity: TerminalActivity): string {
  return `${activity.state}@${activity.since}`;
}

/** Every kind on, no quiet hours. */
export function defaultPreferences(timeZone = 'UTC'): PushPreferences {
  return {
    kinds: Object.fromEntries(PUSH_EVENT_KINDS.map((kind) => [kind, true])) as Record<PushEventKind, boolean>,
    quietHours: null,
    timeZone,
  };
}

/** Whether `timeZone` is an IANA zone this Node knows (Intl throws a RangeError otherwise). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const QUIET_TIME_PATTERN = HH_MM;

const minutesOf = (time: string): number => {
  const match = HH_MM.exec(time);
  if (!match) throw new Error(`not a time of day: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** Minutes since local midnight at `date` in `timeZone`. */
export function minutesOfDay(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

/** Inside the quiet window at `date`, in the device's time zone: start inclusive, end exclusive; 22:00–07:00 spans midnight. */
export function isQuietTime(quietHours: QuietHours | null, timeZone: string, date: Date): boolean {
  if (!quietHours) return false;
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  if (start === end) return false;
  const now = minutesOfDay(date, isKnownTimeZone(timeZone) ? timeZone : 'UTC');
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** Whether a device takes a push of this kind now: its toggle, then its quiet hours. A test push always goes. */
export function deviceWants(preferences: PushPreferences, kind: PushKind, date: Date): boolean {
  if (kind === 'test') return true;
  return preferences.kinds[kind] && !isQuietTime(preferences.quietHours, preferences.timeZone, date);
}

// C0/C1 controls, zero-width and bidi formatting characters: nothing a lock screen should render.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** Text safe for a notification: unsafe characters become spaces, whitespace collapses, at most `max` characters with "…". */
export function cleanText(text: string, max: number): string {
  const clean = text.replace(UNSAFE_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  const characters = [...clean];
  return characters.length <= max ? clean : `${characters.slice(0, max - 1).join('').trimEnd()}…`;
}

// What commonly carries a credential in a command line or a URL. A lock screen is not a terminal.
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16})\b/g, '[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\b([A-Za-z0-9_]*(?:token|secret|passw(?:or)?d|api[-_]?key|credential)[A-Za-z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"']+)/gi, '$1$2[redacted]'],
  [/(--?(?:password|token|secret|api-key)[= ])("[^"]*"|'[^']*'|\S+)/gi, '$1[redacted]'],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi, '$1[redacted]@'],
];

/** `text` with likely credentials (tokens, `PASSWORD=…`, `user:pass@` in URLs) replaced by "[redacted]". */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

export const MAX_TITLE_LENGTH = 100;
export const MAX_BODY_LENGTH = 180;

/** The app path that opens the terminal itself (src/shared/app-paths.ts: /terminals/:workspaceId). */
export function terminalUrl(sessionId: string, workspaceId: string | null): string {
  const query = `?session=${encodeURIComponent(sessionId)}`;
  return workspaceId ? `/terminals/${encodeURIComponent(workspaceId)}${query}` : `/terminals${query}`;
}

/** Notifications of one terminal replace each other on the device. */
export const terminalTag = (sessionId: string) => `terminal-${sessionId}`;

export interface TerminalMessageInput {
  kind: PushEventKind;
  sessionId: string;
  terminal: TerminalDescription;
  activity: TerminalActivity | null;
  approval: Pick<Approval, 'id' | 'tool' | 'summary'> | null;
  now: Date;
}

function exitText(activity: TerminalActivity | null): string {
  const code = activity?.exitCode;
  return code === null || code === undefined ? '' : ` (exit code ${code})`;
}

function bodyOf({ kind, activity, approval }: TerminalMessageInput): string {
  const message = activity?.message ? redactSecrets(activity.message) : null;
  switch (kind) {
    case 'approval':
      if (approval) return `${cleanText(approval.tool, 40)}: ${redactSecrets(approval.summary)}`;
      return message ?? 'An agent asks to be allowed something.';
    case 'waiting':
      return message ?? 'It is waiting for you.';
    case 'bell':
      return 'It rang the bell: it may be waiting for you.';
    case 'finished':
      return 'The agent finished and waits for you.';
    case 'failed':
      return `The command failed${exitText(activity)}${activity?.longCommand ? ' after a long run' : ''}.`;
    case 'long-command':
      return `The long command finished${exitText(activity)}.`;
  }
}

/**
 * The notification for a terminal that wants the owner: what it wants in the title, the workspace
 * and terminal named; the body is one line (a notification's text, an approval's tool and summary),
 * cleaned, with likely secrets redacted, and cut short. Never output beyond that line.
 */
export function composeTerminalMessage(input: TerminalMessageInput): PushMessage {
  const { kind, sessionId, terminal, approval, now } = input;
  const place = terminal.workspaceName ? `${terminal.workspaceName} › ${terminal.title}` : terminal.title;
  return {
    kind,
    title: cleanText(`${PUSH_EVENT_KIND_LABELS[kind]} · ${place}`, MAX_TITLE_LENGTH),
    body: cleanText(bodyOf(input), MAX_BODY_LENGTH),
    tag: terminalTag(sessionId),
    url: terminal.url ?? terminalUrl(sessionId, terminal.workspaceId),
    sessionId,
    ...(kind === 'approval' && approval ? { approvalId: approval.id } : {}),
    sentAt: now.toISOString(),
  };
}

/** What `POST /api/push/devices/:id/test` sends. */
export function composeTestMessage(deviceName: string, now: Date): PushMessage {
  return {
    kind: 'test',
    title: 'Shellport notifications work',
    body: cleanText(`A test notification for “${deviceName}”. Terminals that need you will notify this device.`, MAX_BODY_LENGTH),
    tag: 'shellport-test',
    url: '/settings',
    sentAt: now.toISOString(),
  };
}

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

export interface DeliveryOptions {
  /** Seconds the push service keeps an undelivered message (RFC 8030 TTL). */
  ttlSeconds: number;
  urgency: Urgency;
  /** RFC 8030 Topic: an undelivered message with the same topic is replaced (at most 32 base64url characters). */
  topic: string | null;
}

const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/** The tag as a Topic where it is one; a terminal's tag (45 characters) becomes its id without dashes (32). */
export function topicFor(tag: string): string | null {
  if (TOPIC.test(tag)) return tag;
  const compact = tag.replace(/^terminal-/, '').replace(/-/g, '');
  return compact !== tag && TOPIC.test(compact) ? compact : null;
}

/** An approval is worth nothing once it expired; other news for an hour; a test for five minutes. */
export function deliveryOptionsFor(message: PushMessage, now: Date, approvalExpiresAt?: string | null): DeliveryOptions {
  let ttlSeconds = message.kind === 'test' ? 300 : 3600;
  if (message.kind === 'approval') {
    const left = approvalExpiresAt ? Math.floor((Date.parse(approvalExpiresAt) - now.getTime()) / 1000) : NaN;
    ttlSeconds = Number.isFinite(left) ? Math.max(30, left) : 300;
  }
  return { ttlSeconds, urgency: message.kind === 'approval' ? 'high' : 'normal', topic: topicFor(message.tag) };
}
