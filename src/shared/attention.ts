// The attention loop (issue 20): agent hooks, approvals, Web Push and the dashboard. The shapes of
// /internal/terminal-hook, /api/approvals, /api/push and /api/dashboard (docs/api.md), shared by the
// server, the `shellport` command in terminals and the web app: this module imports nothing.
import type { TerminalActivity } from './terminals.js';

/** The agent CLIs whose hooks Shellport understands. */
export const HOOK_AGENTS = ['claude', 'codex', 'gemini', 'opencode'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

export const HOOK_AGENT_NAMES: Record<HookAgent, string> = {
  claude: 'Claude Code',
  codex: 'Codex',
  gemini: 'Gemini CLI',
  opencode: 'opencode',
};

/** The loopback route the `shellport` command posts hook events to, with the terminal's own secret as a Bearer token. */
export const TERMINAL_HOOK_ROUTE = '/internal/terminal-hook';

/** What `shellport hook <agent>` posts: the agent's hook event name and its JSON exactly as the agent gave it. */
export interface TerminalHookRequest {
  agent: HookAgent;
  /** The agent's own event name (Claude Code: `hook_event_name`, e.g. `PermissionRequest`; Codex notify: the `type`, e.g. `agent-turn-complete`). */
  event: string;
  payload: unknown;
  /**
   * Ask the owner even though the event is not a permission request: a Claude Code `PreToolUse` hook
   * installed by hand as `shellport hook claude --approve` (every matching tool call then waits for an answer).
   */
  askOwner?: boolean;
}

/** The largest request body /internal/terminal-hook takes; `shellport` shortens long strings of bigger payloads first. */
export const MAX_HOOK_PAYLOAD_BYTES = 2 * 1024 * 1024;

/**
 * The server's answer, as JSON lines (`application/x-ndjson`): for a permission request first a
 * `TerminalHookPending` line as soon as the owner has been asked, then, once the owner answered or the
 * request timed out, this object as the last line. Other events get this object alone, at once.
 */
export interface TerminalHookResponse {
  /** Present for a permission request: what the agent is told. `ask`: the agent asks in the terminal as it would without Shellport. */
  decision?: { behavior: 'allow' | 'deny' | 'ask'; reason?: string | null; scope?: 'once' | 'session' };
}

/** The first line of the answer to a permission request: the owner was asked; the answer comes within `timeoutSeconds`. */
export interface TerminalHookPending {
  pending: { approvalId: string; timeoutSeconds: number };
}

/** GET /internal/terminal-hook (`shellport status`): which terminal the secret belongs to. */
export interface TerminalHookStatus {
  terminal: { id: string; name: string | null; workspaceId: string | null; workspaceName: string | null };
  agent: { name: HookAgent; task: string | null } | null;
}

/** The agents whose hooks `shellport hooks install` and /api/hooks can install: Claude Code (settings.json) and Codex (`notify`). */
export const HOOK_INSTALL_AGENTS = ['claude', 'codex'] as const;
export type HookInstallAgent = (typeof HOOK_INSTALL_AGENTS)[number];

/** One agent's hooks in the terminals' user's settings (GET /api/hooks, `shellport hooks show --json`). */
export interface AgentHooksView {
  agent: HookInstallAgent;
  /** `~/.claude/settings.json` or `~/.codex/config.toml`, absolute. */
  settingsFile: string;
  /** Shellport's entries are there, pointing at this installation's `shellport`. */
  installed: boolean;
  /** The change `install` would make, as a unified diff of the file; null when there is nothing to change. */
  installChange: string | null;
  /** The change `uninstall` would make; null when none of Shellport's entries is there. */
  uninstallChange: string | null;
  /** Something the owner should know first (Codex: another `notify` program, which Shellport then runs after reporting). */
  note: string | null;
  /** Why the file cannot be changed (not valid JSON, a `notify` Shellport cannot read); install and uninstall then answer 409. */
  problem: string | null;
}

/** GET /api/hooks. */
export interface HooksResponse {
  hooks: AgentHooksView[];
}

/** POST /api/hooks/:agent/install and …/uninstall: the state after, whether the file changed, and where the previous file was kept. */
export interface HooksChangeResponse {
  hooks: AgentHooksView;
  changed: boolean;
  /** The copy of the file as it was before (`<file>.before-shellport-<UTC time>`), or null when nothing was written or there was no file. */
  backup: string | null;
}

/** How the owner answers a request. `allow-session`: allowed, and the agent is told to allow the same again for this session. */
export const APPROVAL_DECISIONS = ['allow', 'deny', 'allow-session'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export type ApprovalStatus = 'pending' | 'allowed' | 'denied' | 'timed-out' | 'withdrawn';

export const MAX_APPROVAL_REASON_LENGTH = 500;

export interface Approval {
  id: string;
  /** The terminal whose agent asks. */
  sessionId: string;
  workspaceId: string | null;
  workspaceName: string | null;
  terminalTitle: string;
  /** The agent run whose attempt asks (its page shows the request too); absent for a shell's agent. */
  runId?: string | null;
  agent: HookAgent;
  /** The tool the agent wants to use (`Bash`, `Edit`, `Write`, `WebFetch`, an MCP tool …). */
  tool: string;
  /** One line saying what: the command, the file, the URL. */
  summary: string;
  /** The tool's input in full, as the agent gave it. */
  input: unknown;
  /** For edits and writes: a unified diff of the change, when it can be made. */
  diff: string | null;
  createdAt: string;
  /** When an unanswered request gets the configured default. */
  expiresAt: string;
  status: ApprovalStatus;
  answeredAt: string | null;
  /** The name of the device that answered (its push subscription's name, else the browser's description). */
  answeredBy: string | null;
  reason: string | null;
}

/** GET /api/approvals: pending first (oldest first), then the latest answered. */
export interface ApprovalsResponse {
  approvals: Approval[];
}

/** GET /api/approvals/:id and the answer to POST /api/approvals/:id/answer. */
export interface ApprovalResponse {
  approval: Approval;
}

/** POST /api/approvals/:id/answer. A stale answer is a 409 `approval_closed` whose message says what happened. */
export interface ApprovalAnswer {
  decision: ApprovalDecision;
  reason?: string;
  /** The push subscription of the device answering, when it has one (names the device in the record). */
  subscriptionId?: string;
}

/** What a request nobody answers in time gets: denied (the default), or handed back to the agent's own prompt in the terminal. */
export const APPROVAL_TIMEOUT_ACTIONS = ['deny', 'ask-in-terminal'] as const;
export type ApprovalTimeoutAction = (typeof APPROVAL_TIMEOUT_ACTIONS)[number];
export const MIN_APPROVAL_TIMEOUT_SECONDS = 30;
export const MAX_APPROVAL_TIMEOUT_SECONDS = 3600;
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 300;

/** The kinds of event a device can be told about, each on or off per device. */
export const PUSH_EVENT_KINDS = ['approval', 'waiting', 'bell', 'finished', 'failed', 'long-command'] as const;
export type PushEventKind = (typeof PUSH_EVENT_KINDS)[number];

export const PUSH_EVENT_KIND_LABELS: Record<PushEventKind, string> = {
  approval: 'Needs approval',
  waiting: 'Waiting for input',
  bell: 'Bell',
  finished: 'Agent finished',
  failed: 'Failed',
  'long-command': 'Long command done',
};

export interface QuietHours {
  /** `HH:MM`, in `timeZone`. A window that passes midnight (22:00–07:00) is fine. */
  start: string;
  end: string;
}

export interface PushPreferences {
  kinds: Record<PushEventKind, boolean>;
  quietHours: QuietHours | null;
  /** The device's IANA time zone (quiet hours are in it). */
  timeZone: string;
}

export const MAX_DEVICE_NAME_LENGTH = 60;

/** One browser subscribed to pushes. */
export interface PushDevice {
  id: string;
  name: string;
  /** The push service's host (the endpoint URL itself is a capability and is not shown). */
  service: string;
  createdAt: string;
  lastSentAt: string | null;
  /** The last delivery's failure, if the last one failed. */
  lastError: string | null;
  preferences: PushPreferences;
}

/** GET /api/push. */
export interface PushResponse {
  /** The VAPID public key (base64url, uncompressed P-256 point): `applicationServerKey`. */
  publicKey: string;
  devices: PushDevice[];
}

/** POST /api/push/devices: `subscription` is PushSubscription.toJSON(); the same endpoint again replaces the old entry. */
export interface PushSubscribeRequest {
  name: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  preferences?: Partial<PushPreferences>;
}

/** PATCH /api/push/devices/:id. */
export interface PushDeviceUpdate {
  name?: string;
  preferences?: Partial<PushPreferences>;
}

/** The answer of POST /api/push/devices (201 new, 200 the same endpoint again) and of PATCH /api/push/devices/:id. */
export interface PushDeviceResponse {
  device: PushDevice;
}

/**
 * POST /api/push/devices/:id/test: the push service took the test message (`statusCode`, normally 201);
 * the device shows it once it is online. Failures are errors: 410 `push_subscription_gone` (the device
 * was removed), 502 `push_failed` (the push service's answer, or that it gave none).
 */
export interface PushTestResponse {
  delivered: true;
  statusCode: number;
  device: PushDevice;
}

/** What the service worker receives (JSON), and shows as a notification. */
export interface PushMessage {
  kind: PushEventKind | 'test';
  title: string;
  body: string;
  /** Notifications with the same tag replace each other (one per terminal). */
  tag: string;
  /** The app path to open on a click: the terminal itself (`/terminals/<workspace>?session=<id>`). */
  url: string;
  sessionId?: string;
  /** For `approval`: the request, so the notification's buttons can answer it. */
  approvalId?: string;
  /** The device (PushDevice id) this message was sent to: a notification's button answers as it (`subscriptionId`). */
  deviceId?: string;
  sentAt: string;
}

/** Rows of a terminal's screen the dashboard previews. */
export const DASHBOARD_PREVIEW_ROWS = 6;

/** One terminal on the dashboard (GET /api/dashboard), needs-you first, then by how long in its state. */
export interface DashboardTerminal {
  id: string;
  workspaceId: string | null;
  workspaceName: string | null;
  branch: string | null;
  title: string;
  activity: TerminalActivity | null;
  /**
   * A small live preview: the last non-blank rows of its current screen (at most DASHBOARD_PREVIEW_ROWS,
   * oldest first), plain text, right-trimmed, each at most 120 characters (longer ones end in "…").
   * What a full-screen program (vim, htop, an agent's TUI) drew where it drew it, once the terminal has
   * printed enough to be mirrored; before that, the last lines of its output without escape sequences.
   */
  preview: string[];
  /** The preview's last line (null when it is empty); kept for older clients. */
  lastLine: string | null;
  /** Where an agent's hooks said so: which agent, and what it was last asked to do. */
  agent: { name: HookAgent; task: string | null } | null;
  /** Its pending approval, if one waits. */
  approvalId: string | null;
}

/** An agent run that has not ended, on the dashboard (issue 21): the ones waiting for the owner first. */
export interface DashboardRun {
  id: string;
  workspaceId: string;
  workspaceName: string | null;
  /** The agent's name in words (Claude Code, Codex). */
  agent: string;
  status: 'queued' | 'running' | 'waiting-retry';
  /** The prompt on one line, at most 200 characters. */
  prompt: string;
  /** When it started (else was queued). */
  since: string;
  /** Its agent's pending approval, if one waits. */
  approvalId: string | null;
}

export interface DashboardResponse {
  terminals: DashboardTerminal[];
  runs: DashboardRun[];
}
