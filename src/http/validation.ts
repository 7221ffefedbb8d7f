import type { FastifySchemaCompiler } from 'fastify';
import { serializerCompiler, validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';

/*
 * Routes declare their input as zod schemas on the route (`schema: { params, querystring, body }`,
 * with `app.withTypeProvider<ZodTypeProvider>()` for typed handlers); fastify-type-provider-zod
 * compiles them. A failure reaches the error handler (errors.ts) as Fastify's validation error,
 * answered in the same shape as a ZodError thrown by a handler. See docs/architecture.md, "A request".
 */

/**
 * The library's validator, except that a request without a body (or with `null`) is validated as
 * `{}`, as the routes did by hand (`schema.parse(request.body ?? {})`): Fastify hands a missing body
 * to the validator as `null`, and a POST with nothing to say may send nothing.
 */
export const validatorCompiler: FastifySchemaCompiler<ZodType> = (route) => {
  const validate = zodValidatorCompiler(route);
  return route.httpPart === 'body' ? (data: unknown) => validate(data ?? {}) : validate;
};

export { serializerCompiler };
