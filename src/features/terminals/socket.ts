import type { FastifyBaseLogger } from 'fastify';
import type { Namespace, Server, Socket } from 'socket.io';
import { ZodError, type ZodType } from 'zod';
import type { TerminalsConfig } from '../../config/terminals.js';
import { AppError, describeZodError } from '../../http/errors.js';
import type { AuthGuard } from '../auth/guard.js';
import type { AuthenticatedSocketData } from '../../infra/socket-server.js';
import { sessionEnded, type TerminalManager } from './manager.js';
import {
  ackSchema,
  attachSchema,
  createTerminalSchema,
  inputSchema,
  listSchema,
  PROTOCOL_VERSION,
  renameSchema,
  resizeSchema,
  sessionRefSchema,
  type SocketErrorBody,
  type TerminalServerEvents,
} from './schemas.js';
import type { Attachment, OutputSink } from './session.js';

export const TERMINALS_NAMESPACE = '/terminals';

type TerminalSocket = Socket<Record<string, (...args: unknown[]) => void>, TerminalServerEvents, Record<string, never>, AuthenticatedSocketData>;
type AckFn = (response: unknown) => void;
interface HandlerResult {
  reply?: object;
  /** Runs after the acknowledgement went out (e.g. start a replay, which must follow the ack). */
  afterAck?: () => void;
}

const KNOWN_EVENTS = new Set([
  'terminal:create',
  'terminal:attach',
  'terminal:detach',
  'terminal:input',
  'terminal:resize',
  'terminal:ack',
  'terminal:kill',
  'terminal:rename',
  'terminal:list',
]);

function toSocketError(error: unknown, log: FastifyBaseLogger, event: string): SocketErrorBody {
  if (error instanceof ZodError) {
    const details = describeZodError(error);
    return { code: 'validation_failed', message: `Invalid ${event} payload: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details };
  }
  if (error instanceof AppError) {
    return { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
  }
  log.error({ err: error, event }, 'terminal socket handler failed');
  return { code: 'internal_error', message: 'Something went wrong on the server; the details are in the server log.' };
}

const notAttached = (sessionId: string) =>
  new AppError(409, 'not_attached', `This connection is not attached to terminal ${sessionId}: send terminal:attach first.`);

export interface TerminalSocketDeps {
  io: Server;
  manager: TerminalManager;
  auth: AuthGuard;
  config: TerminalsConfig;
  log: FastifyBaseLogger;
}

/**
 * The /terminals namespace. Each handler validates its payload with zod, authorizes (the
 * handshake's sign-in, re-checked for state-changing events; per-terminal events need an
 * attachment the server made), calls the manager and acknowledges `{ ok, error? }`. Handlers
 * never throw; without an ack callback, failures arrive as `terminal:error`.
 */
export function registerTerminalSocketHandlers({ io, manager, auth, config, log }: TerminalSocketDeps): () => void {
  const namespace = io.of(TERMINALS_NAMESPACE) as unknown as Namespace<
    Record<string, (...args: unknown[]) => void>,
    TerminalServerEvents,
    Record<string, never>,
    AuthenticatedSocketData
  >;
  const unsubscribe = manager.onChange((session) => namespace.emit('terminal:updated', { session }));

  namespace.on('connection', (socket: TerminalSocket) => {
    const attachments = new Map<string, Attachment>();
    // Engine.IO's transport: busy while a write is in flight, 'ready' when it can take more.
    const conn = socket.conn as unknown as {
      transport: NodeJS.EventEmitter & { writable: boolean };
      writeBuffer: unknown[];
      on(event: 'upgrade', listener: (transport: NodeJS.EventEmitter & { writable: boolean }) => void): void;
    };
    const onTransportReady = () => {
      for (const attachment of attachments.values()) attachment.pump();
    };
    let transport = conn.transport;
    transport.on('ready', onTransportReady);
    conn.on('upgrade', (next) => {
      transport.off('ready', onTransportReady);
      transport = next;
      transport.on('ready', onTransportReady);
    });

    const sink: OutputSink = {
      clientId: socket.id,
      output: (sessionId, seq, data) => socket.emit('terminal:output', { sessionId, seq, data }),
      reset: (sessionId, seq) => socket.emit('terminal:reset', { sessionId, seq }),
      behind: (sessionId, seq) => socket.emit('terminal:behind', { sessionId, seq }),
      resized: (sessionId, cols, rows) => socket.emit('terminal:resized', { sessionId, cols, rows }),
      exit: (sessionId, end) => socket.emit('terminal:exit', { sessionId, ...end }),
      isBusy: () => !conn.transport.writable || conn.writeBuffer.length > 0,
    };

    const ensureSignedIn = async () => {
      const check = await auth.authenticateUpgrade(socket.request);
      if (!check.ok) {
        // After the acknowledgement below has been queued, so that the client learns why.
        setImmediate(() => socket.disconnect(true));
        throw new AppError(401, 'unauthenticated', check.message);
      }
    };

    function attached(sessionId: string): Attachment {
      const attachment = attachments.get(sessionId);
      if (!attachment) throw notAttached(sessionId);
      if (attachment.closed) {
        attachments.delete(sessionId);
        if (attachment.session.end) throw sessionEnded(sessionId);
        throw notAttached(sessionId);
      }
      return attachment;
    }

    function on<T>(event: string, schema: ZodType<T>, handler: (payload: T) => HandlerResult | void | Promise<HandlerResult | void>) {
      socket.on(event, (...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AckFn) : null;
        const payload = args[0];
        const hint = (payload as { sessionId?: unknown } | null)?.sessionId;
        const fail = (error: unknown) => {
          const body = toSocketError(error, log, event);
          if (ack) ack({ ok: false, error: body });
          else socket.emit('terminal:error', { event, ...(typeof hint === 'string' && hint.length <= 64 ? { sessionId: hint } : {}), error: body });
        };
        const succeed = (result: HandlerResult | void) => {
          ack?.({ ok: true, ...(result?.reply ?? {}) });
          result?.afterAck?.();
        };
        try {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) {
            fail(parsed.error);
            return;
          }
          const result = handler(parsed.data);
          if (result instanceof Promise) result.then(succeed, fail);
          else succeed(result);
        } catch (error) {
          fail(error);
        }
      });
    }

    on('terminal:create', createTerminalSchema, async (input) => {
      await ensureSignedIn();
      return { reply: { session: await manager.create(input) } };
    });

    on('terminal:attach', attachSchema, async ({ sessionId, lastSeq, cols, rows }) => {
      await ensureSignedIn();
      // Attaching again resynchronises: the old attachment ends, the new one starts at lastSeq.
      attachments.get(sessionId)?.detach();
      attachments.delete(sessionId);
      const result = await manager.attach(sessionId, sink, {
        lastSeq: lastSeq ?? null,
        ...(cols !== undefined && rows !== undefined ? { cols, rows } : {}),
      });
      if (socket.disconnected) {
        result.attachment.detach();
        throw new AppError(499, 'disconnected', 'The connection closed while attaching.');
      }
      attachments.set(sessionId, result.attachment);
      return {
        reply: { session: result.session, from: result.from, reset: result.reset, seq: result.session.seq },
        afterAck: () => result.attachment.start(),
      };
    });

    on('terminal:detach', sessionRefSchema, ({ sessionId }) => {
      attachments.get(sessionId)?.detach();
      attachments.delete(sessionId);
    });

    on('terminal:input', inputSchema, ({ sessionId, data }) => {
      const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if (bytes > config.maxInputBytes) {
        throw new AppError(413, 'input_too_large', `Input messages may carry at most ${config.maxInputBytes} bytes (this one: ${bytes}); split it.`, {
          max: config.maxInputBytes,
        });
      }
      const attachment = attached(sessionId);
      if (attachment.session.end || attachment.session.terminating) throw sessionEnded(sessionId);
      attachment.input(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });

    on('terminal:resize', resizeSchema, ({ sessionId, cols, rows }) => {
      attached(sessionId).resize(cols, rows);
    });

    on('terminal:ack', ackSchema, ({ sessionId, seq }) => {
      // An ack racing a detach is harmless: ignore it.
      attachments.get(sessionId)?.ack(seq);
    });

    on('terminal:kill', sessionRefSchema, async ({ sessionId }) => {
      await ensureSignedIn();
      return { reply: { session: await manager.kill(sessionId) } };
    });

    on('terminal:rename', renameSchema, async ({ sessionId, name }) => {
      await ensureSignedIn();
      return { reply: { session: await manager.rename(sessionId, name) } };
    });

    on('terminal:list', listSchema, async (filter) => ({ reply: { sessions: await manager.list(filter) } }));

    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN_EVENTS.has(event)) return;
      const error = { code: 'unknown_event', message: `${String(event).slice(0, 64)} is not a terminal event; see docs/protocol.md.` };
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as AckFn)({ ok: false, error });
      else socket.emit('terminal:error', { event: String(event).slice(0, 64), error });
    });

    socket.on('disconnect', () => {
      transport.off('ready', onTransportReady);
      for (const attachment of attachments.values()) attachment.detach();
      attachments.clear();
    });

    socket.emit('terminal:ready', {
      protocolVersion: PROTOCOL_VERSION,
      maxInputBytes: config.maxInputBytes,
      highWatermarkBytes: config.flow.highWatermarkBytes,
      lowWatermarkBytes: config.flow.lowWatermarkBytes,
    });
  });

  return unsubscribe;
}
