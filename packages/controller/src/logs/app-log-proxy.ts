/**
 * `GET /apps/:id/log` (reference §5.3): the app's lines from the log
 * aggregator's `GET /log/:app_id` (reference §10), streamed through as they
 * come (newline-delimited JSON, or SSE when the client asks for
 * `text/event-stream`). Aggregator instances are tried in turn until one
 * answers: every instance holds every line (hosts send to all of them).
 */
import { onAbort } from '@flynn-ts/core';
import { httpErrorFrom } from '@flynn-ts/core/http';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { AppLogQuery } from '../core/log-query.js';
import { aggregatorLogQuery } from '../core/log-query.js';
import { unavailable } from '../errors.js';

export interface AppLogRequest {
  /** Aggregator API base URLs, in the order to try them. */
  urls: readonly string[];
  appId: string;
  query: AppLogQuery;
  /** Ask for SSE (`Accept: text/event-stream`) instead of newline-delimited JSON. */
  sse: boolean;
  /** Ends the stream (cleanly) when it aborts: the controller is shutting down. */
  signal: AbortSignal;
  /** Connect and response-headers timeout per aggregator. Default 10 000 ms. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

const NDJSON_CONTENT_TYPE = 'text/plain; charset=utf-8';
const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** The response to send; rejects with 503 when no aggregator answers. */
export async function proxyAppLog(r: AppLogRequest): Promise<Response> {
  if (r.urls.length === 0) throw unavailable('no log aggregator available');
  const path = `/log/${encodeURIComponent(r.appId)}?${aggregatorLogQuery(r.query)}`;
  const timeoutMs = r.timeoutMs ?? 10_000;
  let lastError: unknown;
  for (const base of r.urls) {
    const url = base.replace(/\/+$/, '') + path;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { accept: r.sse ? 'text/event-stream' : 'application/json' },
        headersTimeout: timeoutMs,
        bodyTimeout: 0,
        signal: r.signal,
        ...(r.dispatcher ? { dispatcher: r.dispatcher } : {}),
      });
    } catch (err) {
      if (r.signal.aborted) throw unavailable('controller: shutting down');
      lastError = err;
      continue;
    }
    if (res.statusCode === 200) return streamed(res, r.sse, r.signal);
    const text = await res.body.text().catch(() => '');
    const err = httpErrorFrom(res.statusCode, text, url);
    // The query was checked already, so a 4xx is the aggregator's verdict on it; a 5xx means try another.
    if (res.statusCode >= 400 && res.statusCode < 500) throw err;
    lastError = err;
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw unavailable(`no log aggregator answered (${r.urls.length} tried; last: ${reason})`, lastError);
}

function streamed(res: Dispatcher.ResponseData, sse: boolean, signal: AbortSignal): Response {
  const upstream = res.body;
  const chunks = upstream[Symbol.asyncIterator]();
  let done = false;
  let off = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      off = onAbort(signal, () => {
        if (done) return;
        done = true;
        controller.close();
        upstream.destroy();
      });
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (done) return;
        if (next.done) {
          done = true;
          off();
          controller.close();
          return;
        }
        controller.enqueue(new Uint8Array(next.value as Buffer));
      } catch (err) {
        if (done) return;
        done = true;
        off();
        controller.error(err);
      }
    },
    cancel() {
      done = true;
      off();
      upstream.destroy();
    },
  });
  const contentType = String(res.headers['content-type'] ?? (sse ? SSE_CONTENT_TYPE : NDJSON_CONTENT_TYPE));
  return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } });
}

