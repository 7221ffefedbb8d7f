import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { readUserFile } from '../../infra/terminal-user.js';
import { approvalRoutes } from './routes.js';
import { createApprovalService, type ApprovalPolicy, type ApprovalService, type ApprovalServiceDeps } from './service.js';
import { describeFileChange, MAX_DIFF_FILE_BYTES } from './tool-request.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Agents' permission requests (issue 20 §3): `pendingFor(sessionId)`, `get(id)`, `list()`,
     * `answer(id, answer, device)`, `onRequested(listener)` and `onClosed(listener)`.
     */
    approvals: ApprovalService;
  }
}

export interface ApprovalsPluginOptions {
  config: Config;
  clock: Clock;
  /** The settings feature's approval timeout and its action. */
  policy: () => Promise<ApprovalPolicy>;
  /** The name of a push device by its subscription id (the push feature's), for the record of who answered. */
  deviceName?: (subscriptionId: string) => Promise<string | null>;
  /** Decides a request without asking, or null to ask (an agent run's tool rules; the runs feature's). */
  decideWithoutAsking?: ApprovalServiceDeps['decideWithoutAsking'];
}

/**
 * Decorates `app.approvals` and serves /api/approvals. Uses the terminal manager for the terminals'
 * activity and ends: a terminal that ends withdraws its requests.
 */
export const approvalsPlugin = fp(
  async (app: FastifyInstance, { config, clock, policy, deviceName, decideWithoutAsking }: ApprovalsPluginOptions) => {
    const user = config.terminals.user;
    const service = createApprovalService({
      db: app.db,
      clock,
      log: app.log.child({ feature: 'approvals' }),
      reportActivity: (sessionId, report) => app.terminals.reportActivity(sessionId, report),
      policy,
      deviceName,
      ...(decideWithoutAsking ? { decideWithoutAsking } : {}),
      async describeTerminal(sessionId) {
        const row = await app.db.terminal.findUnique({ where: { id: sessionId }, select: { name: true, shell: true, runId: true, workspace: { select: { name: true } } } });
        return { workspaceName: row?.workspace?.name ?? null, title: row?.name ?? (row ? path.basename(row.shell) : 'terminal'), runId: row?.runId ?? null };
      },
      // Files are read as the terminals' account: the diff shows nothing its shell could not read.
      describeChange: (request) => describeFileChange(request.tool, request.input, request.cwd, (file) => readUserFile(user, file, MAX_DIFF_FILE_BYTES)),
    });
    app.decorate('approvals', service);
    const stopWatching = app.terminals.onChange((terminal) => {
      if (terminal.status === 'terminated') service.endTerminal(terminal.id);
    });
    await app.register(approvalRoutes, { service });
    // Waiting hooks hold their requests open: settle them first, or closing would wait for them.
    app.addHook('preClose', async () => service.close());
    app.addHook('onClose', async () => {
      stopWatching();
      service.close();
    });
  },
  { name: 'approvals', dependencies: ['database', 'terminals', 'auth-guard'] },
);
