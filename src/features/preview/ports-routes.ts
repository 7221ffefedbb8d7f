import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PreviewConfig } from '../../config/preview.js';
import { previewPath, type ListeningPort, type PortsResponse } from '../../shared/preview.js';
import type { TerminalInfo } from '../../shared/terminals.js';
import { findListeningPorts, type FoundListener, type TerminalRoot } from './listening-ports.js';
import { previewRefusal } from './port-policy.js';

export interface PortsRoutesOptions {
  preview: PreviewConfig;
  ownPorts: () => ReadonlySet<number>;
  /** The running terminals (the terminal manager's `list({ status: 'active' })`). */
  listRunning: () => Promise<TerminalInfo[]>;
  /** Throws the 404 for a workspace that does not exist (the workspaces service's `get`). */
  ensureWorkspace: (id: string) => Promise<unknown>;
  /** Where /proc is (tests of the walk may point elsewhere). */
  procRoot?: string;
}

const workspaceParams = z.object({ id: z.string().min(1).max(200) });

/** GET /api/ports and GET /api/workspaces/:id/ports: what the terminals' programs listen on, with preview URLs. */
export async function portsRoutes(fastify: FastifyInstance, options: PortsRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  const describe = (found: FoundListener): ListeningPort => {
    const refused = previewRefusal(found.port, options.preview, options.ownPorts());
    return { ...found, previewUrl: refused ? null : previewPath(found.port), refused };
  };
  const listPorts = async (workspaceId?: string): Promise<PortsResponse> => {
    const roots: TerminalRoot[] = (await options.listRunning())
      .filter((terminal) => terminal.pid !== null && (workspaceId === undefined || terminal.workspaceId === workspaceId))
      .map((terminal) => ({ terminalId: terminal.id, workspaceId: terminal.workspaceId, pid: terminal.pid! }));
    const found = await findListeningPorts(roots, options.procRoot);
    // Sockets that could only be told to be the terminals' account's belong to no workspace.
    return { ports: found.filter((entry) => workspaceId === undefined || entry.workspaceId === workspaceId).map(describe) };
  };

  app.get('/api/ports', async () => listPorts());
  app.get('/api/workspaces/:id/ports', { schema: { params: workspaceParams } }, async (request) => {
    await options.ensureWorkspace(request.params.id);
    return listPorts(request.params.id);
  });
}
