import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../http/errors.js';
import { bearerSecret, isLocalCaller } from '../../http/local-caller.js';
import { ORIGIN_REQUIRED, PUBLIC_ROUTE } from '../../http/route-config.js';
import {
  MAX_HOOK_PAYLOAD_BYTES,
  TERMINAL_HOOK_ROUTE,
  type HooksChangeResponse,
  type HooksResponse,
  type TerminalHookPending,
  type TerminalHookResponse,
  type TerminalHookStatus,
} from '../../shared/attention.js';
import type { ApprovalService } from '../approvals/service.js';
import type { TerminalSecretMatch } from '../workspaces/credentials.js';
import type { ActivityReport } from '../terminals/terminal-status.js';
import type { AgentTracker } from './agent-tracker.js';
import { interpretHookEvent } from './hook-events.js';
import type { HookInstaller } from './installer.js';
import { hookInstallParams, terminalHookBody } from './schemas.js';

/** How long a request whose hook hung up stays pending, in case its terminal is ending. */
const HOOK_GONE_GRACE_MS = 2000;

export interface HookRoutesOptions {
  tracker: AgentTracker;
  approvals: ApprovalService;
  installer: HookInstaller;
  /** The terminal a secret belongs to (the workspaces' credential broker), or null. */
  findTerminal: (secret: string | undefined) => Promise<TerminalSecretMatch | null>;
  reportActivity: (sessionId: string, report: ActivityReport) => boolean;
  describeTerminal: (sessionId: string) => Promise<TerminalHookStatus['terminal']>;
}

const refused = (message: string) => new AppError(403, 'hook_refused', message);

/**
 * The agents' hook endpoint, called by `shellport hook` in a terminal (never by a browser), and the
 * owner's /api/hooks, which installs the hooks in the terminals' user's agent settings.
 */
export async function hookRoutes(fastify: FastifyInstance, options: HookRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { tracker, approvals, installer } = options;
  /** The running terminal each accepted hook request is from (set before validation, read by the handler). */
  const callers = new WeakMap<FastifyRequest, TerminalSecretMatch>();

  // Like the git credential endpoint: from this machine (loopback, no proxy headers) and with a running
  // terminal's own secret, checked before the body is even validated, so a stranger learns only "refused".
  async function ensureTerminal(request: FastifyRequest) {
    if (!isLocalCaller(request)) throw refused('Agent hooks are only taken from terminals on this server.');
    const terminal = await options.findTerminal(bearerSecret(request));
    if (!terminal) throw refused('Unknown or missing terminal secret: agent hooks are only taken from Shellport terminals.');
    if (!terminal.running) throw refused('The terminal this secret belonged to has ended.');
    callers.set(request, terminal);
  }
  const callerOf = (request: FastifyRequest): TerminalSecretMatch => {
    const terminal = callers.get(request);
    if (!terminal) throw refused('Unknown terminal.');
    return terminal;
  };
  const ndjson = (reply: FastifyReply) => reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store');

  app.get(TERMINAL_HOOK_ROUTE, { config: PUBLIC_ROUTE, preValidation: ensureTerminal }, async (request): Promise<TerminalHookStatus> => {
    const { sessionId } = callerOf(request);
    return { terminal: await options.describeTerminal(sessionId), agent: tracker.agentFor(sessionId) };
  });

  app.post(
    TERMINAL_HOOK_ROUTE,
    { config: PUBLIC_ROUTE, bodyLimit: MAX_HOOK_PAYLOAD_BYTES, preValidation: ensureTerminal, schema: { body: terminalHookBody } },
    async (request, reply) => {
      const { sessionId, workspaceId } = callerOf(request);
      const { agent, event, payload, askOwner } = request.body;
      const meaning = interpretHookEvent(agent, event, payload, askOwner === true);
      tracker.note(sessionId, agent, meaning);
      if (!meaning.permission) {
        // The agent's "needs your permission" notification while Shellport holds that request: still `approval`.
        const heldHere = meaning.isPermissionPrompt === true && approvals.pendingFor(sessionId) !== null;
        if (meaning.activity && !heldHere) options.reportActivity(sessionId, meaning.activity);
        return ndjson(reply).send(`${JSON.stringify({} satisfies TerminalHookResponse)}\n`);
      }
      const opened = await approvals.request({ sessionId, workspaceId, agent, ...meaning.permission });
      if (!opened.approval) return ndjson(reply).send(`${JSON.stringify({ decision: await opened.decision } satisfies TerminalHookResponse)}\n`);
      // The answer streams: a line at once (the owner was asked, and for how long), then the decision.
      const stream = new PassThrough();
      const timeoutSeconds = Math.round((Date.parse(opened.approval.expiresAt) - Date.parse(opened.approval.createdAt)) / 1000);
      stream.write(`${JSON.stringify({ pending: { approvalId: opened.approval.id, timeoutSeconds } } satisfies TerminalHookPending)}\n`);
      let answered = false;
      // The hook gave up (the agent was interrupted, or killed it): the request is withdrawn. Not at
      // once: a terminal that is ending takes its hook with it, and "the terminal ended" (which the
      // terminal's end records meanwhile) is then the truer reason; a withdrawal after that does nothing.
      const gaveUp = () => {
        if (answered) return;
        setTimeout(() => opened.withdraw('the agent stopped waiting (its hook ended)'), HOOK_GONE_GRACE_MS).unref();
      };
      reply.raw.on('close', gaveUp);
      // It may have hung up while the request was being made.
      if (request.raw.socket.destroyed) gaveUp();
      void opened.decision.then((decision) => {
        answered = true;
        stream.end(`${JSON.stringify({ decision } satisfies TerminalHookResponse)}\n`);
      });
      return ndjson(reply).send(stream);
    },
  );

  app.get('/api/hooks', async (): Promise<HooksResponse> => installer.show());

  app.post('/api/hooks/:agent/install', { config: ORIGIN_REQUIRED, schema: { params: hookInstallParams } }, async (request): Promise<HooksChangeResponse> => {
    const result = await installer.install(request.params.agent);
    request.log.info({ agent: request.params.agent, changed: result.changed }, 'agent hooks installed');
    return result;
  });

  app.post('/api/hooks/:agent/uninstall', { config: ORIGIN_REQUIRED, schema: { params: hookInstallParams } }, async (request): Promise<HooksChangeResponse> => {
    const result = await installer.uninstall(request.params.agent);
    request.log.info({ agent: request.params.agent, changed: result.changed }, 'agent hooks removed');
    return result;
  });
}
