import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';

/** A failure the client can act on: a stable `code`, a message in words, and an HTTP status. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (message: string, details?: unknown) => new AppError(404, 'not_found', message, details);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);
export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

interface FieldProblem {
  field: string;
  message: string;
}

const fieldOf = (path: readonly PropertyKey[]) => (path.length > 0 ? path.join('.') : '(body)');

export function describeZodError(error: ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message }));
}

function validationReply(details: FieldProblem[]): { status: number; body: ErrorBody } {
  return {
    status: 400,
    body: {
      error: {
        code: 'validation_failed',
        message: `Invalid request: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
        details,
      },
    },
  };
}

function toErrorReply(error: FastifyError | Error, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (error instanceof ZodError) return validationReply(describeZodError(error));
  // A route's declared schema failed (src/http/validation.ts): the same answer as a ZodError. The
  // library keeps each issue's path as a JSON pointer ("/vars/0/name", "/" for the whole value).
  if (hasZodFastifySchemaValidationErrors(error)) {
    return validationReply(
      error.validation.map((issue) => ({
        field: fieldOf(issue.instancePath === '/' ? [] : issue.instancePath.slice(1).split('/')),
        message: issue.message ?? 'Invalid input',
      })),
    );
  }
  if (error instanceof AppError) {
    return { status: error.statusCode, body: { error: { code: error.code, message: error.message, details: error.details } } };
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, body too large, unsupported media type) are safe to show.
    const code = (fastifyError.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
    return { status, body: { error: { code, message: fastifyError.message } } };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'internal_error',
        message: `Something went wrong on the server. Quote request id ${request.id} when reporting it; details are in the server log.`,
        requestId: request.id,
      },
    },
  };
}

/**
 * One error shape everywhere: `{ error: { code, message, details } }`. While the server closes, the
 * answers to requests still in flight (often 503 `server_shutting_down`, their calls to GitHub or git
 * aborted) end their connections: Node's close waits for every open connection, and a keep-alive one
 * would otherwise hold the shutdown for Fastify's keep-alive timeout (72 s).
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = toErrorReply(error, request);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: body.error.code, status }, 'request refused');
      return reply.code(status).send(body);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({
        error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` },
      } satisfies ErrorBody),
    );
  },
  { name: 'error-handler' },
);
