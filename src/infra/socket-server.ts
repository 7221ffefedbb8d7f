import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type Namespace, Server, type Socket } from 'socket.io';
import type { AuthSession } from '../generated/prisma/client.js';
import type { AppError } from '../http/errors.js';
import { PUBLIC_ROUTE } from '../http/route-config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Socket.IO server on Fastify's HTTP server; features add namespaces to it. */
    io: Server;
  }
}

/** What every authenticated socket carries in `socket.data`. */
export interface AuthenticatedSocketData {
  authSession: AuthSession;
}

export interface SocketServerOptions {
  /** Largest message a client may send, in bytes; a bigger one closes its connection. */
  maxHttpBufferSize: number;
}

const kAuthSession = Symbol('shellport.authSession');
type CheckedRequest = IncomingMessage & { [kAuthSession]?: AuthSession };

/**
 * Socket.IO on Fastify's HTTP server, WebSocket transport only. Every handshake passes
 * `app.auth.authenticateUpgrade` (Origin present and ours, valid session cookie) in
 * `allowRequest`: Socket.IO's `cors` option does not stop a WebSocket from a foreign page.
 * The session found is stashed on every socket of every namespace as `socket.data.authSession`.
 */
export const socketServerPlugin = fp(
  async (app: FastifyInstance, options: SocketServerOptions) => {
    const fastifyListeners = app.server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
    const io = new Server(app.server, {
      path: '/socket.io',
      serveClient: false,
      // Long polling would re-run the auth check on every poll and base64 binary output.
      transports: ['websocket'],
      maxHttpBufferSize: options.maxHttpBufferSize,
      perMessageDeflate: false,
      allowRequest: (request, callback) => {
        app.auth
          .authenticateUpgrade(request)
          .then((check) => {
            if (!check.ok) {
              app.log.info({ status: check.status, origin: request.headers.origin ?? null }, 'socket handshake refused');
              callback(check.message, false);
              return;
            }
            (request as CheckedRequest)[kAuthSession] = check.session;
            callback(null, true);
          })
          .catch((error: unknown) => {
            app.log.error({ err: error }, 'socket handshake check failed');
            callback('internal error', false);
          });
      },
    });

    // Engine.IO takes over the server's 'request' listeners and answers /socket.io/ itself, so the
    // Host check (421 unknown_host) and the security headers of Fastify's onRequest hooks never ran
    // there. Fastify gets its listener back, and the route below hands /socket.io/ requests to
    // Engine.IO once those hooks have passed (before any body is read).
    app.server.removeAllListeners('request');
    for (const listener of fastifyListeners) app.server.on('request', listener);
    app.route({
      method: ['GET', 'POST', 'OPTIONS'],
      url: '/socket.io/*',
      config: PUBLIC_ROUTE,
      onRequest: async (request, reply) => {
        reply.hijack();
        io.engine.handleRequest(request.raw, reply.raw);
      },
      handler: async () => undefined,
    });
    // Upgrades never reach Fastify's hooks: the same Host rule as Engine.IO middleware, which runs
    // before the handshake and allowRequest (HTTP requests met it in Fastify already). A 101
    // carries no document, so the page security headers mean nothing there.
    io.engine.use((request: IncomingMessage, _response: ServerResponse, next: (error?: Error) => void) => {
      try {
        app.ensureServedHost(request.headers.host);
      } catch (error) {
        app.log.info({ host: request.headers.host ?? null }, 'socket handshake refused: unknown host');
        refuseUpgrade(request.socket, error as AppError);
        return;
      }
      next();
    });

    const requireSession = (socket: Socket, next: (error?: Error) => void) => {
      const session = (socket.request as CheckedRequest)[kAuthSession];
      if (!session) {
        next(new Error('unauthenticated'));
        return;
      }
      (socket.data as AuthenticatedSocketData).authSession = session;
      next();
    };
    // Every namespace, tracked through the public event (not Socket.IO's private registry), for shutdown.
    const namespaces = new Set<Namespace>([io.of('/')]);
    io.use(requireSession);
    io.on('new_namespace', (namespace) => {
      namespaces.add(namespace);
      namespace.use(requireSession);
    });

    app.decorate('io', io);
    // Open WebSockets would keep the HTTP server from closing.
    app.addHook('preClose', async () => {
      for (const namespace of namespaces) namespace.disconnectSockets(true);
      io.engine.close();
    });
    app.addHook('onClose', async () => {
      // Fastify closes the HTTP server itself; io.close() would close it a second time.
      for (const namespace of namespaces) namespace.removeAllListeners();
    });
  },
  { name: 'socket-server', dependencies: ['security', 'auth-guard'] },
);

/** Answers a refused upgrade on its raw socket, in the app's error shape, and closes it. */
function refuseUpgrade(socket: Duplex, error: AppError): void {
  if (!socket.writable) return;
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? ''}\r\n` +
      'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
