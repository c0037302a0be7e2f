/**
 * Reads a JSON request body with a size limit. The host API does this itself
 * instead of using createApi's `bodyLimit` middleware: that middleware
 * rebuilds the Request for bodies without a Content-Length (e.g. a DELETE
 * from undici), which fails under @hono/node-server with
 * `overrideGlobalObjects: false` (a 500 for a valid request).
 */
import { FlynnError } from '@flynn-ts/core';
import { parseJsonBody } from '@flynn-ts/core/http';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

function tooBig(limit: number): FlynnError {
  return new FlynnError('FLYNN_HTTP_BODY_TOO_BIG', `request body exceeds ${limit} bytes`, { apiCode: 'request_body_too_big' });
}

/** The body as text, at most `limit` bytes (400 `request_body_too_big` beyond). */
export async function readBodyText(req: Request, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooBig(limit);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body parsed as JSON (400 `syntax_error` for bad or empty JSON). */
export async function readJsonBody(req: Request, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  return parseJsonBody(await readBodyText(req, limit));
}
