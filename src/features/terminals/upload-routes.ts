import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../http/errors.js';
import { separateUser, type TerminalUser } from '../../infra/terminal-user.js';
import type { TerminalManager } from './manager.js';
import { terminalParamsSchema, uploadQuerySchema } from './schemas.js';
import { fileTooLarge, saveUpload, type SaveUploadOptions } from './uploads.js';
import { saveUploadAsUser } from './upload-as-user.js';
import { savePromptUpload, savePromptUploadAsUser } from './prompt-uploads.js';

const saveUploadIn = async (dir: string, options: Omit<SaveUploadOptions, 'dir'>) => ({ ...(await saveUpload({ dir, ...options })), dir });

export interface UploadRoutesOptions {
  manager: TerminalManager;
  maxBytes: number;
  /** TERMINAL_USER: the file is written as this account when it is not the server's own. */
  user?: TerminalUser | null;
}

/** Files dropped on a terminal: written into its shell's current directory, streamed to disk. */
export async function terminalUploadRoutes(fastify: FastifyInstance, { manager, maxBytes, user = null }: UploadRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const otherUser = separateUser(user);
  // Hands the handler the request stream: no buffering, and no 1 MiB bodyLimit (the cap is ours).
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  // The id and the file's name are declared on the route; the body is the file itself, a stream that
  // no schema describes (the handler checks its type and size).
  app.post(
    '/api/terminals/:id/files',
    {
      config: { streamingBody: true },
      schema: { params: terminalParamsSchema, querystring: uploadQuerySchema },
      // Whatever goes wrong, a refused id or name included, the rest of the body is not worth reading:
      // close the connection after answering. Set before validation, which runs ahead of the handler.
      preValidation: async (_request, reply) => {
        reply.header('connection', 'close');
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { name, overwrite, into } = request.query;
      if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw fileTooLarge(maxBytes);
      if (!(request.body instanceof Readable)) {
        throw new AppError(415, 'octet_stream_required', 'Send the file as the request body with Content-Type: application/octet-stream.');
      }
      // For a prompt: `.shellport/uploads` at the repository's top. Where the shells run as another
      // account, everything that writes there is done as that account (upload-as-user.ts).
      const body = request.body;
      const save = async () => {
        if (into === 'uploads' && otherUser) return savePromptUploadAsUser({ user: otherUser, pid: await manager.shellPid(id), name, body, maxBytes, now: new Date() });
        if (into === 'uploads') return savePromptUpload({ cwd: await manager.workingDirectory(id), name, body, maxBytes, now: new Date() });
        if (otherUser) return saveUploadAsUser({ user: otherUser, pid: await manager.shellPid(id), name, body, maxBytes, overwrite });
        return { name, ...(await saveUploadIn(await manager.workingDirectory(id), { name, body, maxBytes, overwrite })) };
      };
      const saved = await save();
      const { dir } = saved;
      request.log.info({ sessionId: id, path: saved.path, bytes: saved.bytes, replaced: saved.replaced, into }, 'file uploaded into a terminal directory');
      reply.removeHeader('connection');
      return reply.code(201).send({ file: { name: saved.name, path: saved.path, dir, bytes: saved.bytes, replaced: saved.replaced } });
    },
  );
}
