/**
 * Request validation with zod for hono handlers. A failed check answers
 * 400 `validation_error` with `detail: {field, message}` (the first issue;
 * `field` is its dotted path); a body that is not JSON answers 400
 * `syntax_error`. The handler reads the parsed value with `c.req.valid(target)`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ZodType, input, output } from 'zod';
import { FlynnError, ValidationError } from '../errors.js';
import { jsonError } from './api.js';

export type ValidationTarget = 'json' | 'query' | 'param';

/** Where the whole value failed (an issue with an empty path) is reported. */
const ROOT_FIELD: Record<ValidationTarget, string> = { json: 'body', query: 'query', param: 'param' };

/**
 * Middleware validating one part of the request against `schema`.
 *
 * ```ts
 * app.post('/apps', validate('json', z.object({ name: z.string() })), (c) => {
 *   const { name } = c.req.valid('json');
 * });
 * ```
 *
 * The JSON body is parsed whatever the Content-Type says (Flynn clients are not
 * always careful with it); an empty body is a `syntax_error`.
 */
export function validate<T extends ValidationTarget, S extends ZodType>(
  target: T,
  schema: S,
): MiddlewareHandler<any, string, { in: { [K in T]: input<S> }; out: { [K in T]: output<S> } }> {
  return async (c, next) => {
    let value: unknown;
    try {
      value = await readTarget(c, target);
    } catch (err) {
      return jsonError(c, err, c.get('logger'));
    }
    const result = await schema.safeParseAsync(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : ROOT_FIELD[target];
      return jsonError(c, new ValidationError(field, issue?.message ?? 'invalid input'), c.get('logger'));
    }
    c.req.addValidatedData(target, result.data as object);
    await next();
  };
}

async function readTarget(c: Context, target: ValidationTarget): Promise<unknown> {
  switch (target) {
    case 'json':
      return parseJsonBody(await c.req.text());
    case 'query':
      return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
    case 'param':
      return c.req.param();
  }
}

/** Parses a request body as JSON, throwing a 400 `syntax_error` FlynnError on failure. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') {
    throw new FlynnError('FLYNN_HTTP_SYNTAX', 'request body is empty; expected JSON', { apiCode: 'syntax_error' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new FlynnError('FLYNN_HTTP_SYNTAX', `request body is not valid JSON: ${message}`, { apiCode: 'syntax_error', cause: err });
  }
}
