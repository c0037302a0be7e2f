/**
 * The log aggregator's HTTP API (reference §10), a fetch handler:
 *
 * - `GET /log/:app_id?follow=&lines=&job_id=&process_type=&stream_types=`:
 *   the app's lines as newline-delimited JSON (or SSE with
 *   `Accept: text/event-stream`), see log-response.ts and core/log-query.ts;
 * - `GET /cursors`: `{"<host id>": {"time": "<timestamp>", "seq": n}}`, the
 *   largest seq stored per host: hosts resend everything after it;
 * - `GET /snapshot`: every stored line, RFC 6587-framed RFC 5424
 *   (`application/vnd.flynn.logaggregator-snapshot`), for a peer's refill;
 * - `GET /ping`: empty 200; `GET /.well-known/status`: health and counters.
 *
 * Bad input answers 400 `{code, message}`; unknown routes 404.
 */
import { systemClock } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import { createApi } from '@flynn-ts/core/http';
import type { Hono } from 'hono';
import type { ApiEnv } from '@flynn-ts/core/http';
import { parseLogQuery } from './core/log-query.js';
import type { LogStore } from './core/log-store.js';
import { encodeSnapshot, SNAPSHOT_CONTENT_TYPE } from './core/snapshot-codec.js';
import { logResponse } from './log-response.js';

export interface LogApiOptions {
  store: LogStore;
  clock?: Clock;
  logger?: Logger;
  /** Ends follow streams when it aborts (shutdown). */
  closing?: AbortSignal;
  /** Extra detail for `/.well-known/status` (counters). */
  stats?: () => unknown;
  /** Follow flush period. Default 50 ms. */
  flushMs?: number;
  /** Lines queued for a slow follower before new ones are dropped. Default 10,000. */
  maxQueued?: number;
  version?: string;
}

export function createLogAggregatorApi(options: LogApiOptions): Hono<ApiEnv> {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const api = createApi({
    name: 'logaggregator',
    version: options.version ?? '0.1.0',
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
    status: () => ({ healthy: true, detail: { store: store.stats(), ...(options.stats ? { input: options.stats() } : {}) } }),
  });

  api.get('/ping', (c) => c.body(null, 200));

  api.get('/cursors', (c) => c.json(store.cursors()));

  api.get('/snapshot', (c) => {
    const chunks = encodeSnapshot(store.snapshot());
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel() {
        chunks.return(undefined);
      },
    });
    c.get('logger').info({ event: 'snapshot_sent', lines: store.stats().lines }, 'sending a snapshot');
    return new Response(body, { status: 200, headers: { 'content-type': SNAPSHOT_CONTENT_TYPE } });
  });

  api.get('/log/:app_id', (c) => {
    const query = parseLogQuery(c.req.queries());
    const sse = (c.req.header('accept') ?? '').includes('text/event-stream');
    const logger = c.get('logger');
    return logResponse(store, c.req.param('app_id'), query, {
      clock,
      format: sse ? 'sse' : 'ndjson',
      ...(options.flushMs !== undefined ? { flushMs: options.flushMs } : {}),
      ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
      ...(options.closing ? { signal: options.closing } : {}),
      onDrop: (count) => logger.warn({ event: 'follower_slow', count }, 'dropped lines for a slow follower'),
    });
  });

  return api;
}
