import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { ZodError, type ZodType, type z } from 'zod';
import type { TerminalsConfig } from '../../config/terminals.js';
import { AppError, describeZodError } from '../../http/errors.js';
import type { AuthGuard } from '../auth/guard.js';
import { terminalEnded, type TerminalManager } from './manager.js';
import {
  ackSchema,
  attachSchema,
  createTerminalSchema,
  DEVICE_PATTERN,
  inputSchema,
  listSchema,
  pingSchema,
  renameSchema,
  resizeSchema,
  terminalRefSchema,
} from './schemas.js';
import type { Attachment, OutputSink } from './terminal.js';
import { type Notices, PROTOCOL_VERSION, type ProtocolError, type Requests, type ServerEvents, type TerminalInfo } from '../../shared/terminals.js';

export type AckFn = (response: unknown) => void;

const ACTIVITY_NOTE_MS = 60_000;

interface HandlerResult<Reply = object> {
  reply?: Reply;
  /** Runs after the acknowledgement went out (e.g. start a replay, which must follow the ack). */
  afterAck?: () => void;
}

type ClientEvent = keyof Requests | keyof Notices;
type PayloadOf<E extends ClientEvent> = E extends keyof Requests ? Requests[E]['payload'] : E extends keyof Notices ? Notices[E] : never;
/** What a handler gives back: the acknowledgement's body for a request (src/shared/terminals.ts), nothing for a notice. */
type OutcomeOf<E extends ClientEvent> = E extends keyof Requests
  ? object extends Requests[E]['result']
    ? HandlerResult<Requests[E]['result']> | void
    : HandlerResult<Requests[E]['result']> & { reply: Requests[E]['result'] }
  : void;

/** One client's connection as its carrier (Socket.IO or the plain WebSocket) offers it to the terminal protocol. */
export interface ClientChannel {
  readonly id: string;
  /** The handshake request (its cookie is re-checked for state-changing events). */
  readonly request: IncomingMessage;
  /** Sends a server → client event other than output (docs/protocol.md, "Server → client events"). */
  send<E extends Exclude<keyof ServerEvents, 'terminal:output'>>(event: E, payload: ServerEvents<Buffer>[E]): void;
  /** Sends `terminal:output`. `data` is borrowed (it may be the ring buffer's memory): copy what is kept past the call. */
  output(terminalId: string, seq: number, data: Buffer): void;
  /** True while earlier messages are still being written: new output waits and coalesces. */
  isBusy(): boolean;
  /** Closes the connection (after what was sent so far). */
  disconnect(): void;
  readonly closed: boolean;
}

export interface TerminalConnectionDeps {
  manager: TerminalManager;
  auth: AuthGuard;
  config: TerminalsConfig;
  log: FastifyBaseLogger;
  /**
   * A read-only viewer of this one terminal (share links, issue 23 §2): it may attach to it (its
   * size ignored), acknowledge and detach; every other event is refused with `read_only`, and the
   * session it is told about carries nothing but the terminal's name, size and state.
   */
  viewerOf?: string;
}

/** The events a read-only viewer may send. */
const VIEWER_EVENTS = new Set(['terminal:attach', 'terminal:detach', 'terminal:ack']);

const readOnly = (event: string) =>
  new AppError(403, 'read_only', `This is a read-only view of a shared terminal: ${event} is not allowed. Only the terminal's owner can type into it.`);

/** What a viewer learns of the terminal it watches: no workspace, directory, command or process. */
function viewerInfo(info: TerminalInfo): TerminalInfo {
  return {
    ...info,
    workspaceId: null,
    shell: '',
    pid: null,
    cwd: '',
    lastCwd: null,
    lastCommand: null,
    agentSession: null,
    restartedAs: null,
    activity: null,
  };
}

export interface TerminalConnection {
  /** Handles one client → client event; never throws. `ack` null: failures become `terminal:error`. */
  dispatch(event: string, payload: unknown, ack: AckFn | null): void;
  /** The transport can take more: send what is waiting. */
  pump(): void;
  /** The transport closed: detach everything. */
  close(): void;
}

export const KNOWN_EVENTS = new Set([
  'terminal:create',
  'terminal:attach',
  'terminal:detach',
  'terminal:input',
  'terminal:resize',
  'terminal:ack',
  'terminal:seen',
  'terminal:kill',
  'terminal:rename',
  'terminal:list',
  'terminal:ping',
]);

function toSocketError(error: unknown, log: FastifyBaseLogger, event: string): ProtocolError {
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

const notAttached = (terminalId: string) =>
  new AppError(409, 'not_attached', `This connection is not attached to terminal ${terminalId}: send terminal:attach first.`);

/**
 * One client connection speaking the terminal protocol, whatever carries it. Each handler
 * validates its payload with zod, authorizes (the handshake's sign-in, re-checked for
 * state-changing events; per-terminal events need an attachment the server made), calls the
 * manager and acknowledges `{ ok, error? }`. Handlers never throw. Sends `terminal:ready` at once.
 */
export function openTerminalConnection({ manager, auth, config, log, viewerOf }: TerminalConnectionDeps, channel: ClientChannel): TerminalConnection {
  const attachments = new Map<string, Attachment>();
  type Handler = (payload: unknown) => HandlerResult | void | Promise<HandlerResult | void>;
  const handlers = new Map<string, Handler>();

  const sink: OutputSink = {
    clientId: channel.id,
    output: (terminalId, seq, data) => channel.output(terminalId, seq, data),
    reset: (sessionId, seq) => channel.send('terminal:reset', { sessionId, seq }),
    behind: (sessionId, seq) => channel.send('terminal:behind', { sessionId, seq }),
    resized: (sessionId, cols, rows) => channel.send('terminal:resized', { sessionId, cols, rows }),
    exit: (sessionId, end) => channel.send('terminal:exit', { sessionId, ...end }),
    answering: (sessionId, answering, seq) => channel.send('terminal:answering', { sessionId, answering, seq }),
    snapshot: (sessionId, { seq, cols, rows, data }) => channel.send('terminal:snapshot', { sessionId, seq, cols, rows, data }),
    isBusy: () => channel.isBusy(),
  };

  const ensureSignedIn = async () => {
    const check = await auth.authenticateUpgrade(channel.request);
    if (!check.ok) {
      // After the acknowledgement below has been queued, so that the client learns why.
      setImmediate(() => channel.disconnect());
      throw new AppError(401, 'unauthenticated', check.message);
    }
  };

  /** Typing is the person's activity: it keeps the sign-in from idling out, checked at most once a minute. */
  let lastActivityNote = -Infinity;
  const noteActivity = () => {
    const now = performance.now();
    if (now - lastActivityNote < ACTIVITY_NOTE_MS) return;
    lastActivityNote = now;
    auth.authenticateUpgrade(channel.request).catch((error: unknown) => log.warn({ err: error }, 'noting sign-in activity failed'));
  };

  function attached(terminalId: string): Attachment {
    const attachment = attachments.get(terminalId);
    if (!attachment) throw notAttached(terminalId);
    if (attachment.closed) {
      attachments.delete(terminalId);
      if (attachment.terminal.end) throw terminalEnded(terminalId);
      throw notAttached(terminalId);
    }
    return attachment;
  }

  /**
   * Registers a handler behind its schema. `plainlyValid`, for the events sent per keystroke, is a
   * cheaper check that accepts only payloads the schema accepts too (anything else still goes
   * through zod, which explains what is wrong): on an idle server zod's first parse after a pause
   * costs tens of microseconds of every echo.
   */
  function on<E extends ClientEvent, S extends ZodType>(
    event: E,
    // Refuses, at compile time, a schema that would reject what src/shared/terminals.ts tells clients to send.
    schema: S & (PayloadOf<E> extends z.input<S> ? unknown : never),
    handler: (payload: z.output<S>) => OutcomeOf<E> | Promise<OutcomeOf<E>>,
    plainlyValid?: (payload: unknown) => payload is z.output<S>,
  ) {
    handlers.set(event, (payload) => {
      if (plainlyValid?.(payload)) return handler(payload);
      const parsed = schema.safeParse(payload);
      if (!parsed.success) throw parsed.error;
      return handler(parsed.data);
    });
  }

  /** An object with exactly these keys, for a terminal this connection is attached to (its id passed the UUID check then). */
  const isAttachedPayload = (payload: unknown, keys: number): payload is { sessionId: string } =>
    typeof payload === 'object' &&
    payload !== null &&
    Object.getPrototypeOf(payload) === Object.prototype &&
    Object.keys(payload).length === keys &&
    typeof (payload as { sessionId?: unknown }).sessionId === 'string' &&
    attachments.has((payload as { sessionId: string }).sessionId);

  on('terminal:create', createTerminalSchema, async (input) => {
    await ensureSignedIn();
    if (input.restartOf) return { reply: await manager.restart(input.restartOf, input) };
    return { reply: { session: await manager.create(input) } };
  });

  on('terminal:attach', attachSchema, async ({ sessionId, lastSeq, cols, rows, snapshot }) => {
    if (viewerOf === undefined) await ensureSignedIn();
    else if (sessionId !== viewerOf) throw readOnly('attaching another terminal');
    // Attaching again resynchronises: the old attachment ends, the new one starts at lastSeq.
    attachments.get(sessionId)?.detach();
    attachments.delete(sessionId);
    const result = await manager.attach(sessionId, sink, {
      lastSeq: lastSeq ?? null,
      ...(cols !== undefined && rows !== undefined && viewerOf === undefined ? { cols, rows } : {}),
      ...(snapshot ? { snapshot: true } : {}),
      ...(viewerOf === undefined ? {} : { readOnly: true }),
    });
    if (channel.closed) {
      result.attachment.detach();
      throw new AppError(499, 'disconnected', 'The connection closed while attaching.');
    }
    attachments.set(sessionId, result.attachment);
    return {
      reply: { session: viewerOf === undefined ? result.terminal : viewerInfo(result.terminal), from: result.from, reset: result.reset, seq: result.terminal.seq, ...(result.snapshot ? { snapshot: true } : {}) },
      afterAck: () => result.attachment.start(),
    };
  });

  on('terminal:detach', terminalRefSchema, ({ sessionId }) => {
    attachments.get(sessionId)?.detach();
    attachments.delete(sessionId);
  });

  on('terminal:input', inputSchema, ({ sessionId, data, device, inputId }) => {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (bytes > config.maxInputBytes) {
      throw new AppError(413, 'input_too_large', `Input messages may carry at most ${config.maxInputBytes} bytes (this one: ${bytes}); split it.`, {
        max: config.maxInputBytes,
      });
    }
    const attachment = attached(sessionId);
    if (attachment.terminal.end || attachment.terminal.terminating) throw terminalEnded(sessionId);
    const origin = device !== undefined && inputId !== undefined ? { device, inputId } : undefined;
    attachment.input(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), origin);
    noteActivity();
  }, (payload): payload is z.infer<typeof inputSchema> => {
    const numbered = typeof payload === 'object' && payload !== null && 'inputId' in payload;
    if (!isAttachedPayload(payload, numbered ? 4 : 2)) return false;
    const { data, device, inputId } = payload as { data?: unknown; device?: unknown; inputId?: unknown };
    if (numbered && !(typeof device === 'string' && DEVICE_PATTERN.test(device) && Number.isSafeInteger(inputId) && (inputId as number) > 0)) return false;
    return typeof data === 'string' || data instanceof Uint8Array;
  });

  on('terminal:resize', resizeSchema, ({ sessionId, cols, rows }) => {
    attached(sessionId).resize(cols, rows);
  });

  on(
    'terminal:ack',
    ackSchema,
    ({ sessionId, seq }) => {
      // An ack racing a detach is harmless: ignore it.
      attachments.get(sessionId)?.ack(seq);
    },
    (payload): payload is z.infer<typeof ackSchema> => {
      if (!isAttachedPayload(payload, 2)) return false;
      const seq = (payload as { seq?: unknown }).seq;
      return Number.isSafeInteger(seq) && (seq as number) >= 0;
    },
  );

  // Quietly ignored when not attached (a tab shown just as it detached).
  on('terminal:seen', terminalRefSchema, ({ sessionId }) => {
    attachments.get(sessionId)?.terminal.markSeen();
  });

  on('terminal:kill', terminalRefSchema, async ({ sessionId }) => {
    await ensureSignedIn();
    return { reply: { session: await manager.kill(sessionId) } };
  });

  on('terminal:rename', renameSchema, async ({ sessionId, name }) => {
    await ensureSignedIn();
    return { reply: { session: await manager.rename(sessionId, name) } };
  });

  on('terminal:list', listSchema, async (filter) => ({ reply: { sessions: await manager.list(filter) } }));

  // Nothing to do but answer: the client times the round trip.
  on('terminal:ping', pingSchema, () => undefined);

  if (viewerOf !== undefined) {
    for (const event of handlers.keys()) {
      if (!VIEWER_EVENTS.has(event)) handlers.set(event, () => {
        throw readOnly(event);
      });
    }
  }

  channel.send('terminal:ready', {
    protocolVersion: PROTOCOL_VERSION,
    maxInputBytes: config.maxInputBytes,
    highWatermarkBytes: config.flow.highWatermarkBytes,
    lowWatermarkBytes: config.flow.lowWatermarkBytes,
  });

  return {
    dispatch(rawEvent, payload, ack) {
      const event = String(rawEvent).slice(0, 64);
      const handler = handlers.get(event);
      if (!handler) {
        const error = { code: 'unknown_event', message: `${event} is not a terminal event; see docs/protocol.md.` };
        if (ack) ack({ ok: false, error });
        else channel.send('terminal:error', { event, error });
        return;
      }
      const hint = (payload as { sessionId?: unknown } | null)?.sessionId;
      const fail = (error: unknown) => {
        const body = toSocketError(error, log, event);
        if (ack) ack({ ok: false, error: body });
        else channel.send('terminal:error', { event, ...(typeof hint === 'string' && hint.length <= 64 ? { sessionId: hint } : {}), error: body });
      };
      const succeed = (result: HandlerResult | void) => {
        ack?.({ ok: true, ...(result?.reply ?? {}) });
        result?.afterAck?.();
      };
      try {
        const result = handler(payload);
        if (result instanceof Promise) result.then(succeed, fail);
        else succeed(result);
      } catch (error) {
        fail(error);
      }
    },
    pump() {
      for (const attachment of attachments.values()) attachment.pump();
    },
    close() {
      for (const attachment of attachments.values()) attachment.detach();
      attachments.clear();
    },
  };
}
