/**
 * Server side of Server-Sent Events, in the original Flynn's wire format
 * (pkg/sse, reference §0.2): optional `id:` and `event:` lines, one `data:`
 * line per payload line, a blank line; a `:` comment after every `keepAliveMs`
 * of silence; a stream-level error as `event: error` + `data: <message>`.
 *
 * `sseResponse` returns a fetch-API `Response`, so it is used from hono (or any
 * fetch) handlers; node adapters pipe its body and cancel it on disconnect.
 */
import type { Clock, Timer } from '../clock.js';
import { systemClock } from '../clock.js';
import { AbortedError, onAbort } from '../abort.js';
import { ValidationError } from '../errors.js';

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** One event to send. */
export interface SseEvent {
  /** Event id; clients resume after it with `Last-Event-ID`. No CR/LF. */
  id?: string | number;
  /** Event name (`event:` line); clients default it to `message`. No CR/LF. */
  event?: string;
  /** Payload: a string is sent as is (split on line breaks), anything else as JSON. */
  data: string | object;
  /** Reconnection delay hint for clients, in ms (`retry:` line). */
  retry?: number;
}

/**
 * Queues an event. The promise resolves once the stream has room again (or the
 * stream is closed); await it for backpressure, or ignore it. It never rejects,
 * and sending after the stream closed is a no-op.
 */
export type SseSend = (event: SseEvent) => Promise<void>;

/**
 * A producer: sends events until done. `signal` aborts when the client
 * disconnects or `options.signal` aborts; stop then. Resolving ends the stream;
 * throwing sends an `error` event first.
 */
export type SseProducer = (send: SseSend, signal: AbortSignal) => Promise<void>;

/** Where events come from: an async iterable (stopped with `return()`) or a producer. */
export type SseSource = AsyncIterable<SseEvent> | SseProducer;

/**
 * Why a stream ended: the source finished (`end`), the source threw (`error`,
 * after the error event), the client went away (`cancel`), or `options.signal`
 * aborted (`abort`).
 */
export type SseCloseReason = 'end' | 'error' | 'cancel' | 'abort';

export interface SseResponseOptions {
  /** Send a `:` comment after this much silence, in ms. Default 30 000; 0 disables. */
  keepAliveMs?: number;
  /** Clock for the keep-alive timer. Default {@link systemClock}. */
  clock?: Clock;
  /** Extra response headers. They may override the defaults except `Content-Type`. */
  headers?: ConstructorParameters<typeof Headers>[0];
  /** Ends the stream (without an error event) and stops the source when it aborts. */
  signal?: AbortSignal;
  /** Called once when the stream ends, with the reason and, for `error`, what the source threw. */
  onClose?: (reason: SseCloseReason, error?: unknown) => void;
}

/** Formats one event as it goes on the wire, including the terminating blank line. */
export function formatSseEvent(event: SseEvent): string {
  let out = '';
  if (event.id !== undefined) out += `id: ${singleLine('id', String(event.id))}\n`;
  if (event.event !== undefined) out += `event: ${singleLine('event', event.event)}\n`;
  if (event.retry !== undefined) {
    if (!Number.isInteger(event.retry) || event.retry < 0) {
      throw new ValidationError('retry', `sse retry must be a non-negative integer, got ${event.retry}`, { code: 'FLYNN_SSE_INVALID_EVENT' });
    }
    out += `retry: ${event.retry}\n`;
  }
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + '\n';
}

/** The keep-alive comment line. */
export const SSE_KEEP_ALIVE = ':\n\n';

/**
 * A streaming `Response` fed from `source`. When the client disconnects (the
 * body is cancelled) the producer's signal aborts, or the iterator's `return()`
 * is called, so the source stops. An async generator suspended in an `await`
 * only runs its `finally` once that await settles; use a producer when the
 * source must notice a disconnect promptly.
 */
export function sseResponse(source: SseSource, options: SseResponseOptions = {}): Response {
  const headers = new Headers({ 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
  new Headers(options.headers).forEach((value, name) => headers.set(name, value));
  headers.set('Content-Type', SSE_CONTENT_TYPE);
  const session = new SseSession(source, options);
  return new Response(session.stream, { status: 200, headers });
}

const encoder = new TextEncoder();

/** Runs one stream: pumps the source into the body, keeps it alive, tears down once. */
class SseSession {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly ctl = new AbortController();
  private readonly clock: Clock;
  private readonly keepAliveMs: number;
  private closed = false;
  private keepAlive: Timer | undefined;
  private lastWrite = 0;
  private roomWaiters: Array<() => void> = [];
  private iterator: AsyncIterator<SseEvent> | undefined;
  private offSignal: () => void = () => {};

  constructor(
    private readonly source: SseSource,
    private readonly options: SseResponseOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.keepAliveMs = options.keepAliveMs ?? 30_000;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          this.lastWrite = this.clock.monotonic();
          this.armKeepAlive(this.keepAliveMs);
          this.offSignal = onAbort(options.signal, () => this.finish('abort'));
          if (!this.closed) void this.pump();
        },
        pull: () => this.wakeWriters(),
        cancel: () => this.finish('cancel'),
      },
      { highWaterMark: 16 },
    );
  }

  private async pump(): Promise<void> {
    try {
      if (typeof this.source === 'function') {
        await this.source(this.send, this.ctl.signal);
      } else {
        const it = (this.iterator = this.source[Symbol.asyncIterator]());
        while (!this.closed) {
          const r = await it.next();
          if (r.done) {
            this.iterator = undefined; // finished: return() must not be called
            break;
          }
          await this.send(r.value);
        }
      }
      this.finish('end');
    } catch (err) {
      if (this.closed) return; // thrown because we stopped it
      this.iterator = undefined; // it threw: it is finished
      this.write(formatSseEvent({ event: 'error', data: errorMessage(err) }));
      this.finish('error', err);
    }
  }

  private readonly send: SseSend = (event) => {
    if (this.closed) return Promise.resolve();
    this.write(formatSseEvent(event));
    if ((this.controller.desiredSize ?? 1) > 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  };

  private write(text: string): void {
    if (this.closed) return;
    this.lastWrite = this.clock.monotonic();
    this.controller.enqueue(encoder.encode(text));
  }

  /** Fires after `ms`; sends `:` only if nothing was written for `keepAliveMs`. */
  private armKeepAlive(ms: number): void {
    if (!(this.keepAliveMs > 0) || this.closed) return;
    this.keepAlive = this.clock.setTimer(ms, () => {
      const idle = this.clock.monotonic() - this.lastWrite;
      if (idle >= this.keepAliveMs) {
        this.write(SSE_KEEP_ALIVE);
        this.armKeepAlive(this.keepAliveMs);
      } else {
        this.armKeepAlive(this.keepAliveMs - idle);
      }
    });
  }

  private wakeWriters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private finish(reason: SseCloseReason, error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.keepAlive?.cancel();
    this.offSignal();
    this.wakeWriters();
    this.ctl.abort(reason === 'abort' ? this.options.signal?.reason : new AbortedError(`sse stream closed (${reason})`));
    if (reason !== 'cancel') {
      try {
        this.controller.close();
      } catch {
        // already closed or errored
      }
    }
    const it = this.iterator;
    this.iterator = undefined;
    if (it?.return) {
      // Not awaited: a generator busy in an await only returns once that settles.
      void Promise.resolve()
        .then(() => it.return?.())
        .catch(() => {});
    }
    try {
      this.options.onClose?.(reason, error);
    } catch {
      // a throwing onClose must not break the stream teardown
    }
  }
}

function singleLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new ValidationError(field, `sse ${field} must not contain line breaks`, { code: 'FLYNN_SSE_INVALID_EVENT' });
  }
  return value;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
