import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import { AppError } from '../../http/errors.js';
import { registerWebSocketUpgrades } from '../../http/websocket-upgrades.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import { isOwnOrigin } from '../auth/origin.js';
import type { AuthGuard } from '../auth/guard.js';
import { openTerminalConnection } from '../terminals/connection.js';
import type { TerminalManager } from '../terminals/manager.js';
import { encodeOutputFrame, parseEnvelope, type Envelope } from '../terminals/ws.js';
import { CLOSE_SHARE_ENDED, SHARE_WS_PREFIX } from '../../shared/shares.js';
import type { GuessLimiter } from '../preview/guess-limiter.js';
import { resolveShareToken } from './routes.js';
import type { ResolvedShare, ShareService } from './service.js';

export interface ViewerWebSocketOptions {
  config: Config;
  manager: TerminalManager;
  auth: AuthGuard;
  service: ShareService;
  guesses: GuessLimiter;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The share a viewer's handshake named (set in its preValidation). */
    viewerShare?: ResolvedShare;
  }
}

/**
 * The viewer's WebSocket, `/ws/share/<token>` (docs/protocol.md, "Read-only viewers"): the terminal
 * protocol over the same frames as /ws/terminals, for one terminal and read-only (connection.ts,
 * `viewerOf`). Public, but the handshake must carry our Origin (the Host check runs for every request),
 * a working token, and pass the guess limit; each viewer counts toward the terminal's viewers.
 */
export async function viewerWebSocketRoute(app: FastifyInstance, options: ViewerWebSocketOptions) {
  const { config, manager, auth, service } = options;
  const log = app.log;
  const maxPayload = Math.max(1024 * 1024, 4 * config.terminals.maxInputBytes + 4096);
  await registerWebSocketUpgrades(app, { accepts: (path) => path.startsWith(SHARE_WS_PREFIX), maxPayload, label: 'share viewer websocket' });

  app.decorateRequest('viewerShare', undefined);
  let nextId = 0;
  app.get<{ Params: { token: string } }>(
    `${SHARE_WS_PREFIX}:token`,
    {
      websocket: true,
      config: PUBLIC_ROUTE,
      // The URL holds the token: request lines at warn only.
      logLevel: 'warn',
      preValidation: async (request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
        const origin = request.headers.origin;
        if (!origin || !isOwnOrigin(origin, request.headers.host, config.server)) {
          log.info({ origin: origin ?? null }, 'share viewer handshake refused: Origin');
          return reply.code(403).send({ error: { code: 'origin_refused', message: 'Connections must come from Shellport\'s own web page (Origin refused).' } });
        }
        try {
          request.viewerShare = await resolveShareToken(options, request, request.params.token);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message } });
        }
      },
    },
    (ws: WebSocket, request: FastifyRequest) => {
      const { share, terminal } = request.viewerShare!;
      const tcp = request.raw.socket;
      let closed = false;
      const send = (message: object) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      const end = (code: number, reason: string) => {
        if (closed) return;
        closed = true;
        connection.close();
        ws.close(code, reason);
      };
      const connection = openTerminalConnection(
        { manager, auth, config: config.terminals, log, viewerOf: terminal.id },
        {
          id: `share-${++nextId}`,
          request: request.raw,
          send: (event, payload) => {
            send({ event, payload });
            // The terminal ended: the viewer has its last output and the exit, and the link is dead.
            if (event === 'terminal:exit') setImmediate(() => end(CLOSE_SHARE_ENDED, 'terminal ended'));
          },
          output: (terminalId, seq, data) => {
            if (ws.readyState === ws.OPEN) ws.send(encodeOutputFrame(terminalId, seq, data));
          },
          isBusy: () => tcp.writableLength > 0,
          disconnect: () => end(CLOSE_SHARE_ENDED, 'closed'),
          get closed() {
            return closed;
          },
        },
      );
      let forget: () => void;
      try {
        forget = service.addViewer({ shareId: share.id, terminalId: terminal.id, expiresAt: share.expiresAt.getTime(), end });
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'refused';
        end(1013, message.slice(0, 120));
        return;
      }
      const onDrain = () => connection.pump();
      tcp.on('drain', onDrain);
      ws.on('message', (raw: Buffer, isBinary: boolean) => {
        if (closed) return;
        let envelope: Envelope;
        try {
          envelope = parseEnvelope(raw, isBinary);
        } catch (error) {
          send({ event: 'terminal:error', payload: { event: 'message', error: { code: 'validation_failed', message: `Not a protocol message: ${(error as Error).message.slice(0, 200)}.` } } });
          return;
        }
        const id = envelope.id;
        connection.dispatch(envelope.event, envelope.payload, id === undefined ? null : (reply) => send({ ack: id, payload: reply }));
      });
      ws.on('close', () => {
        closed = true;
        forget();
        tcp.off('drain', onDrain);
        connection.close();
      });
    },
  );
}
