/**
 * Client side of Server-Sent Events, built on undici `request` (streamed body)
 * and eventsource-parser. The stream reconnects transparently with backoff and
 * resumes with `Last-Event-ID`, so a consumer sees each event once, in order,
 * as long as the server honours the header.
 *
 * Lifecycle (one consumer; the connection is opened on the first `next()`):
 *
 *   connect ──2xx SSE──▶ reading ──body ends / errors──▶ backoff ──▶ connect
 *      │ 5xx, 408, 429, socket error ─────────────────────▶ backoff
 *      │ 4xx, 2xx non-SSE ──▶ throw HttpError          204 ──▶ done
 *   break / close() ──▶ done          options.signal aborts ──▶ throw its reason
 *
 * Every exit aborts the in-flight request and destroys the body, so no socket
 * is left open.
 */
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { createParser } from 'eventsource-parser';
import { AbortedError, onAbort } from '../abort.js';
import type { BackoffOptions } from '../backoff.js';
import { backoffDelay } from '../backoff.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { channels, publish } from '../diagnostics.js';
import { FlynnError, HttpError, apiCodeForStatus, isErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import { noopLogger } from '../logger.js';
import type { Random } from '../random.js';
import { cryptoRandom } from '../random.js';

/** One received event. */
export interface SseMessage {
  /** The event's own `id:` field, if it had one. */
  id: string | undefined;
  /** The event name; `message` when the server sent none. */
  event: string;
  data: string;
}

type Body = Dispatcher.ResponseData['body'];
export type SseResponseHeaders = Dispatcher.ResponseData['headers'];

export interface SseOpenInfo {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  headers: SseResponseHeaders;
  /** Reconnects in a row before this connection; 0 for a fresh stream. */
  attempt: number;
}

/** Published on `channels.sseReconnect` before each reconnect wait. */
export interface SseReconnectMessage {
  url: string;
  /** Reconnects in a row without an event, counting this one (1-based). */
  attempt: number;
  delayMs: number;
  lastEventId: string | undefined;
  /** Why the connection ended; undefined when the server closed it cleanly. */
  error: unknown;
}

export interface SseStreamOptions {
  /** Extra request headers. `Accept` and `Last-Event-ID` are managed by the stream. */
  headers?: Record<string, string>;
  /** Resume after this id on the first connection. */
  lastEventId?: string;
  /** Aborting closes the stream; a pending or later `next()` rejects with the reason. */
  signal?: AbortSignal;
  /** Reconnect after disconnects, 5xx, 408 and 429. Default true. */
  reconnect?: boolean;
  /** Give up after this many reconnects in a row without receiving an event. Default unlimited. */
  maxReconnects?: number;
  /** Reconnect delays; a server `retry:` field replaces `initialMs`. */
  backoff?: BackoffOptions;
  clock?: Clock;
  random?: Random;
  /** undici dispatcher (e.g. an `Agent`); default the global one. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Called on every successful (2xx, event-stream) connection. */
  onOpen?: (info: SseOpenInfo) => void;
}

/** A live event stream: iterate it once; `break` or `close()` ends it. */
export interface SseStream extends AsyncIterable<SseMessage> {
  /** Ends the stream: aborts the request, destroys the body; a pending `next()` resolves done. */
  close(): void;
  /** The id of the last event handed to the consumer (sent as `Last-Event-ID` on reconnect). */
  readonly lastEventId: string | undefined;
}

/** Opens a reconnecting SSE stream to `url`. Nothing is sent until iteration starts. */
export function sseStream(url: string | URL, options: SseStreamOptions = {}): SseStream {
  return new SseClientStream(String(url), options);
}

const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;

type Outcome =
  | { kind: 'done' }
  | { kind: 'aborted' }
  | { kind: 'final'; error: unknown }
  | { kind: 'retry'; error: unknown; retryAfterMs?: number };

class SseClientStream implements SseStream {
  private last: string | undefined;
  private readonly ctl = new AbortController();
  private readonly gen: AsyncGenerator<SseMessage, void, undefined>;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  /** Reconnects in a row without an event. */
  private attempt = 0;
  /** Base reconnect delay from the server's `retry:` field. */
  private retryMs: number | undefined;

  constructor(
    private readonly url: string,
    private readonly options: SseStreamOptions,
  ) {
    this.last = options.lastEventId;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = options.logger ?? noopLogger;
    this.gen = this.run();
  }

  get lastEventId(): string | undefined {
    return this.last;
  }

  [Symbol.asyncIterator](): AsyncIterator<SseMessage> {
    return this.gen;
  }

  close(): void {
    if (!this.ctl.signal.aborted) this.ctl.abort(new AbortedError('sse stream closed'));
    // Runs the generator's finally now if it is parked at a yield; queued otherwise.
    void this.gen.return(undefined).catch(() => {});
  }

  private async *run(): AsyncGenerator<SseMessage, void, undefined> {
    const offSignal = onAbort(this.options.signal, (reason) => {
      if (!this.ctl.signal.aborted) this.ctl.abort(reason);
    });
    try {
      for (;;) {
        if (this.ctl.signal.aborted) break;
        const outcome = yield* this.connect();
        if (outcome.kind === 'done') return;
        if (outcome.kind === 'aborted' || this.ctl.signal.aborted) break;
        if (outcome.kind === 'final') throw outcome.error;
        if (!(await this.waitToReconnect(outcome.error, outcome.retryAfterMs))) return;
      }
    } catch (err) {
      if (!this.ctl.signal.aborted) throw err;
    } finally {
      offSignal();
      if (!this.ctl.signal.aborted) this.ctl.abort(new AbortedError('sse stream closed'));
    }
    // Stopped by an abort: quietly for close(), with the reason for the caller's signal.
    if (this.options.signal?.aborted) throw this.options.signal.reason;
  }

  /**
   * Sleeps the backoff delay and returns true. When reconnecting is off or
   * exhausted it throws the error that ended the connection, or returns false
   * when the server ended it cleanly.
   */
  private async waitToReconnect(error: unknown, retryAfterMs: number | undefined): Promise<boolean> {
    const max = this.options.reconnect === false ? 0 : (this.options.maxReconnects ?? Infinity);
    if (this.attempt >= max) {
      if (error === undefined) return false;
      throw connectionError(error, this.url);
    }
    const delayMs = Math.max(backoffDelay(this.attempt++, this.random, this.backoffOptions()), retryAfterMs ?? 0);
    const message: SseReconnectMessage = { url: this.url, attempt: this.attempt, delayMs, lastEventId: this.last, error };
    publish(channels.sseReconnect, message);
    this.logger[error === undefined ? 'debug' : 'warn']({ url: this.url, attempt: this.attempt, delayMs, lastEventId: this.last, err: error }, 'sse: reconnecting');
    await this.clock.sleep(delayMs, this.ctl.signal);
    return true;
  }

  private backoffOptions(): BackoffOptions {
    const base = this.options.backoff ?? {};
    if (this.retryMs === undefined) return base;
    return { ...base, initialMs: this.retryMs, maxMs: Math.max(this.retryMs, base.maxMs ?? 10_000) };
  }

  /** One connection attempt (following redirects); yields its events, returns how it ended. */
  private async *connect(): AsyncGenerator<SseMessage, Outcome, undefined> {
    let target = this.url;
    for (let redirects = 0; ; redirects++) {
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(target, this.requestOptions());
      } catch (error) {
        return { kind: 'retry', error };
      }
      const { statusCode: status, headers, body } = res;
      try {
        const location = header(headers, 'location');
        if (status >= 300 && status < 400 && location !== undefined && redirects < MAX_REDIRECTS) {
          target = new URL(location, target).href;
          // Drain the (small) redirect body so undici reuses the socket; destroying an
          // unread body here makes undici emit an unhandled UND_ERR_ABORTED.
          await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
          continue;
        }
        if (status === 204) return { kind: 'done' }; // the server says: do not reconnect
        if (status >= 200 && status < 300) {
          const type = header(headers, 'content-type');
          if (!isEventStream(type)) {
            const message = `expected text/event-stream, got ${type ?? 'no content type'}`;
            return { kind: 'final', error: new HttpError(status, { code: 'unexpected_content_type', message }, target) };
          }
          this.options.onOpen?.({ url: target, status, headers, attempt: this.attempt });
          return yield* this.read(body);
        }
        const error = await readHttpError(status, body, target);
        if (status >= 500 || status === 408 || status === 429) {
          const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'));
          return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
        }
        return { kind: 'final', error };
      } finally {
        if (!body.destroyed) body.destroy(); // no-op once fully read; otherwise aborts the request and frees the socket
        body.on('error', () => undefined); // an abort after destroy must not become an unhandled error
      }
    }
  }

  /** Parses one response body; a half-received event at the end is dropped (it is resent). */
  private async *read(body: Body): AsyncGenerator<SseMessage, Outcome, undefined> {
    const pending: SseMessage[] = [];
    const parser = createParser({
      onEvent: (e) => pending.push({ id: e.id, event: e.event ?? 'message', data: e.data }),
      onRetry: (ms) => {
        this.retryMs = ms;
      },
      onError: (err) => this.logger.debug({ url: this.url, err }, 'sse: ignoring malformed line'),
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        for (let m = pending.shift(); m !== undefined; m = pending.shift()) {
          if (m.id !== undefined) this.last = m.id;
          this.attempt = 0;
          yield m;
          if (this.ctl.signal.aborted) return { kind: 'aborted' };
        }
      }
      return { kind: 'retry', error: undefined };
    } catch (error) {
      return { kind: 'retry', error };
    }
  }

  private requestOptions(): NonNullable<Parameters<typeof request>[1]> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.options.headers ?? {})) headers[name.toLowerCase()] = value;
    headers.accept = 'text/event-stream';
    headers['cache-control'] ??= 'no-cache';
    delete headers['last-event-id'];
    if (this.last) headers['last-event-id'] = this.last;
    const dispatcher = this.options.dispatcher;
    return { method: 'GET', headers, signal: this.ctl.signal, ...(dispatcher ? { dispatcher } : {}) };
  }
}

/** Reads (a bounded prefix of) an error response and decodes the JSON error body. */
async function readHttpError(status: number, body: Body, url: string): Promise<HttpError> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.length > MAX_ERROR_BODY) break;
    }
  } catch {
    // cut short: decode what arrived
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isErrorBody(parsed)) return new HttpError(status, parsed, url);
  } catch {
    // not JSON
  }
  const snippet = text.trim().slice(0, 200);
  return new HttpError(status, { code: apiCodeForStatus(status), message: snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}` }, url);
}

function connectionError(error: unknown, url: string): unknown {
  if (FlynnError.is(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new FlynnError('FLYNN_SSE_CONNECTION_FAILED', `sse: connection to ${url} failed: ${reason}`, {
    apiCode: 'service_unavailable',
    retry: true,
    cause: error,
  });
}

function header(headers: SseResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isEventStream(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
}

/** `Retry-After` in delta-seconds (HTTP dates are ignored). */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}
