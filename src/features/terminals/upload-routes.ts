import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../http/errors.js';
import { separateUser, type TerminalUser } from '../../infra/terminal-user.js';
import type { TerminalManager } from './manager.js';
import { terminalParamsSchema, uploadQuerySchema } from './schemas.js';
import { fileTooLarge, saveUpload, type SaveUploadOptions } from './uploads.js';
import { saveUploadAsUser } from './upload-as-user.js';

const saveUploadIn = async (dir: string, options: Omit<SaveUploadOptions, 'dir'>) => ({ ...(await saveUpload({ dir, ...options })), dir });

export interface UploadRoutesOptions {
  manager: TerminalManager;
  maxBytes: number;
  /** TERMINAL_USER: the file is written as this account when it is not the server's own. */
  user?: TerminalUser | null;
}

/** Files dropped on a terminal: written into its shell's current directory, streamed to disk. */
export async function terminalUploadRoutes(app: FastifyInstance, { manager, maxBytes, user = null }: UploadRoutesOptions) {
  const otherUser = separateUser(user);
  // Hands the handler the request stream: no buffering, and no 1 MiB bodyLimit (the cap is ours).
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.post('/api/terminals/:id/files', { config: { streamingBody: true } }, async (request, reply) => {
    // Whatever goes wrong, the rest of the body is not worth reading: close the connection after answering.
    reply.header('connection', 'close');
    const { id } = terminalParamsSchema.parse(request.params);
    const { name, overwrite } = uploadQuerySchema.parse(request.query);
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw fileTooLarge(maxBytes);
    if (!(request.body instanceof Readable)) {
      throw new AppError(415, 'octet_stream_required', 'Send the file as the request body with Content-Type: application/octet-stream.');
    }
    const saved = otherUser
      ? await saveUploadAsUser({ user: otherUser, pid: await manager.shellPid(id), name, body: request.body, maxBytes, overwrite })
      : await saveUploadIn(await manager.workingDirectory(id), { name, body: request.body, maxBytes, overwrite });
    const { dir } = saved;
    request.log.info({ sessionId: id, path: saved.path, bytes: saved.bytes, replaced: saved.replaced }, 'file uploaded into a terminal directory');
    reply.removeHeader('connection');
    return reply.code(201).send({ file: { name, path: saved.path, dir, bytes: saved.bytes, replaced: saved.replaced } });
  });
}
