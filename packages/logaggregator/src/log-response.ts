/**
 * The body of `GET /log/:app_id`: newline-delimited JSON (`LogMessage` per
 * line, as the original), or with `Accept: text/event-stream` SSE events in
 * the controller's log chunk format (`data: {"event":"message","data":{…}}`,
 * and `data: {"event":"eof"}` when a non-follow read is done).
 *
 * Following: the backlog goes out at once, then new lines are queued as the
 * store takes them and flushed every `flushMs` (50 ms, as the original). A
 * follower that does not read (its socket buffers are full) gets at most
 * `maxQueued` lines queued; later ones are dropped for it (counted), as the
 * original dropped lines for a full subscriber channel. The stream ends when
 * the client goes away or `signal` aborts (server shutdown).
 */
import { onAbort } from '@flynn-ts/core';
import type { Clock, Timer } from '@flynn-ts/core';
import type { LogEntry } from './core/log-entry.js';
import { toLogMessage } from './core/log-entry.js';
import type { LogQuery } from './core/log-query.js';
import { filterPredicate } from './core/log-query.js';
import type { LogStore } from './core/log-store.js';

export type LogFormat = 'ndjson' | 'sse';

export interface LogResponseOptions {
  clock: Clock;
  format: LogFormat;
  /** Flush period while following. Default 50 ms. */
  flushMs?: number;
  /** Lines queued for a follower that does not read, before new ones are dropped. Default 10,000. */
  maxQueued?: number;
  /** SSE only: a `:` comment after this much silence. Default 30 s. */
  keepAliveMs?: number;
  /** Ends a follow stream (the server is shutting down). */
  signal?: AbortSignal;
  /** Called when lines are dropped for a slow follower. */
  onDrop?: (count: number) => void;
}

export const NDJSON_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
const CHUNK_BYTES = 64 * 1024;
const encoder = new TextEncoder();

export function encodeLogLine(e: LogEntry, format: LogFormat): string {
  const json = JSON.stringify(toLogMessage(e));
  return format === 'ndjson' ? `${json}\n` : `data: {"event":"message","data":${json}}\n\n`;
}

const EOF_EVENT = 'data: {"event":"eof"}\n\n';

/** The streaming response for a parsed query. */
export function logResponse(store: LogStore, appId: string, query: LogQuery, options: LogResponseOptions): Response {
  const headers = {
    'content-type': options.format === 'sse' ? SSE_CONTENT_TYPE : NDJSON_CONTENT_TYPE,
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  };
  const body = query.follow ? followStream(store, appId, query, options) : pastStream(store.read(appId, { ...(query.lines !== undefined ? { lines: query.lines } : {}), filter: query.filter }), options.format);
  return new Response(body, { status: 200, headers });
}

/** The lines stored now, in chunks, pulled as the client reads. */
function pastStream(entries: readonly LogEntry[], format: LogFormat): ReadableStream<Uint8Array> {
  let i = 0;
  let done = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (done) return;
      let text = '';
      while (i < entries.length && text.length < CHUNK_BYTES) text += encodeLogLine(entries[i++]!, format);
      if (i >= entries.length) {
        if (format === 'sse') text += EOF_EVENT;
        done = true;
      }
      if (text !== '') controller.enqueue(encoder.encode(text));
      if (done) controller.close();
    },
  });
}

function followStream(store: LogStore, appId: string, query: LogQuery, options: LogResponseOptions): ReadableStream<Uint8Array> {
  const match = filterPredicate(query.filter);
  const maxQueued = options.maxQueued ?? 10_000;
  const keepAliveMs = options.format === 'sse' ? (options.keepAliveMs ?? 30_000) : 0;
  let queue: LogEntry[] = [];
  let dropped = 0;
  let lastWrite = options.clock.monotonic();
  let timer: Timer | undefined;
  let unsubscribe = () => {};
  let offAbort = () => {};
  let closed = false;

  const cleanup = () => {
    if (closed) return;
    closed = true;
    timer?.cancel();
    unsubscribe();
    offAbort();
    queue = [];
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const write = (text: string) => {
          lastWrite = options.clock.monotonic();
          controller.enqueue(encoder.encode(text));
        };
        const flush = () => {
          if (closed) return;
          if (dropped > 0) {
            options.onDrop?.(dropped);
            dropped = 0;
          }
          // A client that does not read keeps its lines queued here (bounded), not in the stream.
          if (queue.length > 0 && (controller.desiredSize ?? 1) > 0) {
            let text = '';
            for (const e of queue) text += encodeLogLine(e, options.format);
            queue = [];
            write(text);
          } else if (keepAliveMs > 0 && options.clock.monotonic() - lastWrite >= keepAliveMs) {
            write(':\n\n');
          }
        };
        // Read and subscribe in one synchronous step: no line is missed or sent twice.
        const backlog = query.lines !== undefined && query.lines > 0 ? store.read(appId, { lines: query.lines, filter: query.filter }) : [];
        unsubscribe = store.subscribe(appId, (e) => {
          if (match && !match(e)) return;
          if (queue.length >= maxQueued) dropped++;
          else queue.push(e);
        });
        for (let i = 0; i < backlog.length; ) {
          let text = '';
          while (i < backlog.length && text.length < CHUNK_BYTES) text += encodeLogLine(backlog[i++]!, options.format);
          write(text);
        }
        timer = options.clock.every(options.flushMs ?? 50, flush);
        offAbort = onAbort(options.signal, () => {
          if (closed) return;
          flush();
          cleanup();
          controller.close();
        });
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 16 },
  );
}
