/**
 * The blobstore's HTTP API (reference §9), a fetch handler over a BlobBackend:
 *
 * - `PUT /<path>`: store the body (streamed), `Content-Type` kept; with
 *   `Blobstore-Offset: n` append to a blob of exactly n bytes (resumable
 *   uploads; else 409); with `Blobstore-Copy-From: /<src>` copy instead.
 *   200 with the `ETag`.
 * - `GET`/`HEAD /<path>`: the blob, streamed, with `Content-Length`,
 *   `Content-Type`, `ETag` (quoted base64 SHA-512, as the original),
 *   `Last-Modified`, `Accept-Ranges: bytes`; one `Range` (206/416, see
 *   core/byte-range.ts) and `If-Range`; `If-None-Match` /
 *   `If-Modified-Since` → 304.
 * - `DELETE /<path>`: the blob and everything under `<path>/`; 200 (also
 *   when there was nothing).
 * - `GET /?dir=/x`: the original's listing (immediate children, directories
 *   with a trailing `/`, JSON array); `GET /?prefix=/x`: every blob path
 *   starting with `/x` (JSON array); both sorted.
 * Bad paths (`..`, empty segments, bad escapes) and headers → 400 JSON
 * `{code, message}`, missing blobs → 404, other methods → 405.
 *
 * Paths are taken from the raw request target (`incoming.url` under the
 * node adapter), so `..` is refused rather than resolved by URL parsing.
 */
import { systemClock } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import { createApi } from '@flynn-ts/core/http';
import type { ApiEnv, NodeBindings } from '@flynn-ts/core/http';
import type { Context, Hono } from 'hono';
import type { BlobBackend, BlobReader, ByteRange } from './blob-backend.js';
import { checkListDir, checkListPrefix, decodeBlobPath } from './core/blob-path.js';
import { contentRange, parseRange } from './core/byte-range.js';
import { httpDate, isNotModified, quoteEtag, rangeAllowed } from './core/conditional.js';
import { listChildren } from './core/dir-listing.js';
import { BlobNotFoundError, BlobTooLargeError, InvalidRequestError, RangeNotSatisfiableError } from './errors.js';

export interface BlobstoreApiOptions {
  backend: BlobBackend;
  logger?: Logger;
  clock?: Clock;
  /** Largest blob accepted, in bytes. Default: no limit. */
  maxBlobBytes?: number;
  version?: string;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function createBlobstoreApi(options: BlobstoreApiOptions): Hono<ApiEnv> {
  const { backend } = options;
  const api = createApi({
    name: 'blobstore',
    version: options.version ?? '0.1.0',
    bodyLimit: false,
    clock: options.clock ?? systemClock,
    ...(options.logger ? { logger: options.logger } : {}),
    status: async () => {
      await backend.check();
      return { healthy: true, detail: { backend: backend.kind } };
    },
  });

  api.on(['GET', 'HEAD'], '*', async (c) => {
    const raw = rawPath(c);
    if (raw === '/') return c.req.method === 'HEAD' ? c.body(null, 200) : listing(c, backend);
    const path = decodeBlobPath(raw);
    const reader = await backend.open(path);
    if (!reader) throw new BlobNotFoundError(path);
    try {
      return respondWithBlob(c, reader);
    } catch (err) {
      await reader.close();
      throw err;
    }
  });

  api.put('*', async (c) => {
    const path = decodeBlobPath(rawPath(c));
    const copyFrom = c.req.header('blobstore-copy-from');
    if (copyFrom !== undefined) {
      const from = decodeBlobPath(copyFrom, 'Blobstore-Copy-From');
      await c.req.raw.body?.cancel();
      const info = await backend.copy(path, from);
      if (!info) throw new BlobNotFoundError(from);
      return c.body(null, 200, { etag: quoteEtag(info.etag) });
    }
    const offset = parseOffset(c.req.header('blobstore-offset'));
    const contentType = parseContentType(c.req.header('content-type'));
    const max = options.maxBlobBytes;
    const declared = c.req.header('content-length');
    if (max !== undefined && declared !== undefined && Number(declared) + offset > max) throw new BlobTooLargeError(max);
    const body = requestBody(c, max === undefined ? undefined : max - offset);
    const info = await backend.put(path, body, { contentType, offset, signal: c.req.raw.signal });
    return c.body(null, 200, { etag: quoteEtag(info.etag) });
  });

  api.delete('*', async (c) => {
    const path = decodeBlobPath(rawPath(c));
    const n = await backend.delete(path);
    c.get('logger').debug({ event: 'deleted', path, blobs: n }, 'deleted');
    return c.body(null, 200);
  });

  api.all('*', (c) => c.json({ code: 'method_not_allowed', message: `method ${c.req.method} not allowed` }, 405, { allow: 'GET, HEAD, PUT, DELETE' }));
  return api;
}

/** The path of the request target as sent (percent-encoded, dot segments not resolved). */
function rawPath(c: Context<ApiEnv>): string {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  let target = incoming?.url ?? new URL(c.req.url).pathname;
  if (!target.startsWith('/')) target = new URL(target).pathname; // absolute-form (a proxy request)
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

async function listing(c: Context<ApiEnv>, backend: BlobBackend): Promise<Response> {
  const dir = c.req.query('dir');
  const prefix = c.req.query('prefix');
  if (dir !== undefined && prefix !== undefined) throw new InvalidRequestError('prefix', 'give dir or prefix, not both');
  if (prefix !== undefined) return c.json(await backend.list(checkListPrefix(prefix)));
  const d = checkListDir(dir ?? '');
  return c.json(listChildren(d, await backend.list(`${d}/`)));
}

function respondWithBlob(c: Context<ApiEnv>, reader: BlobReader): Response {
  const info = reader.info;
  const headers: Record<string, string> = {
    etag: quoteEtag(info.etag),
    'last-modified': httpDate(info.modifiedAt),
    'accept-ranges': 'bytes',
  };
  const conditional = { ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since'), ifRange: c.req.header('if-range') };
  if (isNotModified(conditional, info)) {
    void reader.close();
    return new Response(null, { status: 304, headers });
  }
  headers['content-type'] = info.contentType;
  const range = c.req.method === 'GET' && rangeAllowed(conditional, info) ? parseRange(c.req.header('range'), info.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    void reader.close();
    const err = new RangeNotSatisfiableError(info.size);
    return c.json(err.toJSON(), 416, { 'content-range': `bytes */${info.size}` });
  }
  if (c.req.method === 'HEAD') {
    void reader.close();
    return new Response(null, { status: 200, headers: { ...headers, 'content-length': String(info.size) } });
  }
  if (range.kind === 'partial') {
    headers['content-range'] = contentRange(range.start, range.end, info.size);
    headers['content-length'] = String(range.end - range.start + 1);
    return new Response(bodyOf(reader, range), { status: 206, headers });
  }
  headers['content-length'] = String(info.size);
  return new Response(bodyOf(reader, undefined), { status: 200, headers });
}

/** The blob's bytes as a response body; the reader is closed at the end, on error, or when the client goes away. */
function bodyOf(reader: BlobReader, range: ByteRange | undefined): ReadableStream<Uint8Array> {
  let it: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      it ??= reader.read(range)[Symbol.asyncIterator]();
      try {
        const r = await it.next();
        if (r.done) {
          await reader.close();
          controller.close();
        } else {
          controller.enqueue(r.value);
        }
      } catch (err) {
        await reader.close();
        controller.error(err);
      }
    },
    async cancel() {
      await it?.return?.().catch(() => undefined);
      await reader.close();
    },
  });
}

/**
 * The upload: the node request stream when served by the node adapter
 * (cheaper than the web stream over it), else the Request body; at most
 * `max` bytes.
 */
async function* requestBody(c: Context<ApiEnv>, max: number | undefined): AsyncGenerator<Uint8Array> {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  const source: AsyncIterable<Uint8Array> | null = incoming && !incoming.readableEnded ? incoming : c.req.raw.body;
  if (!source) return;
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (max !== undefined && total > max) throw new BlobTooLargeError(max);
    yield chunk;
  }
}

function parseOffset(header: string | undefined): number {
  if (header === undefined || header === '') return 0;
  if (!/^\d{1,15}$/.test(header.trim())) throw new InvalidRequestError('Blobstore-Offset', `Blobstore-Offset must be a non-negative integer, got ${JSON.stringify(header.slice(0, 40))}`);
  return Number(header.trim());
}

function parseContentType(header: string | undefined): string {
  const v = header?.trim() ?? '';
  if (v === '') return DEFAULT_CONTENT_TYPE;
  // eslint-disable-next-line no-control-regex
  if (v.length > 255 || /[\u0000-\u001f\u007f]/.test(v)) throw new InvalidRequestError('Content-Type', 'Content-Type must be at most 255 characters without control characters');
  return v;
}
