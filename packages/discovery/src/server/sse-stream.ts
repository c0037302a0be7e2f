/**
 * The original discoverd's event streams (pkg/sse + handler `serveStream`),
 * byte for byte: `200`, `Content-Type: text/event-stream; charset=utf-8`,
 * one `data: <json>\n\n` frame per event (no `id:`/`event:` lines), and a
 * `:\n` keep-alive after `keepAliveMs` without a write.
 *
 * Extension (opt-in, `eventIds`): each frame is preceded by `id: <raft
 * index>`, the index of the state the event belongs to (see
 * `DiscoveryBackend.subscribe`), so a reconnecting client can tell whether a
 * server is behind what it has already seen. SSE parsers, the original's Go
 * client included, ignore `id:` lines they do not use.
 *
 * The snapshot the backend replays inside `subscribe()` is sent whatever its
 * size (as the original blocks on it). Live events are buffered per stream up
 * to `bufferSize` frames the client has not read yet; one more ends the
 * stream like the original ends a blocked subscriber: the subscription is
 * closed, the frames already queued are delivered, then
 * `event: error\ndata: discoverd: channel send failed due to blocked receiver\n\n`
 * and the end of the body. A client reconnects and gets a fresh snapshot.
 *
 * When the client goes away (the body is cancelled), the subscription and the
 * keep-alive timer are released at once.
 */
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { DiscoveryEvent, EventKindSet } from '../core/types.js';
import type { DiscoveryBackend, Subscription } from './backend.js';
import { goJson, wireEvent } from './http-api-wire.js';

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
export const DEFAULT_KEEP_ALIVE_MS = 30_000;
/** Live frames a stream may hold unread before it is ended (the original's channel held 64). */
export const DEFAULT_STREAM_BUFFER = 1024;
export const KEEP_ALIVE_FRAME = ':\n';
export const BLOCKED_RECEIVER_FRAME = 'event: error\ndata: discoverd: channel send failed due to blocked receiver\n\n';

/** Why a stream ended: the client went away, it fell too far behind, or `signal` aborted. */
export type StreamCloseReason = 'cancel' | 'overflow' | 'abort';

export interface EventStreamOptions {
  clock?: Clock;
  /** Default 30 000; 0 disables keep-alives. */
  keepAliveMs?: number;
  /** Unread live frames allowed before the stream is ended. Default {@link DEFAULT_STREAM_BUFFER}. */
  bufferSize?: number;
  /** Extra response headers (e.g. `Discoverd-Index`). */
  headers?: Record<string, string>;
  /** Ends the stream (cleanly) when it aborts, e.g. when the server closes. */
  signal?: AbortSignal;
  /** Precede each frame with `id: <raft index>` when the backend gives one. Default false (the original's frames). */
  eventIds?: boolean;
  logger?: Logger;
  /** Called once when the stream ends. */
  onClose?: (reason: StreamCloseReason) => void;
}

/** Formats one event as the original does; with `id`, preceded by an `id:` line. */
export function formatEventFrame(e: DiscoveryEvent, id?: number): string {
  const data = `data: ${goJson(wireEvent(e))}\n\n`;
  return id === undefined ? data : `id: ${id}\n${data}`;
}

const encoder = new TextEncoder();

/**
 * Subscribes to `service` with `kinds` and answers with the event stream.
 * Throws whatever `backend.subscribe` throws (before any byte is sent).
 */
export function eventStreamResponse(
  backend: Pick<DiscoveryBackend, 'subscribe'>,
  service: string,
  kinds: EventKindSet,
  options: EventStreamOptions = {},
): Response {
  const session = new EventStreamSession(options);
  session.subscribe(backend, service, kinds);
  return new Response(session.stream, { status: 200, headers: { ...options.headers, 'Content-Type': SSE_CONTENT_TYPE } });
}

class EventStreamSession {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly clock: Clock;
  private readonly keepAliveMs: number;
  private readonly bufferSize: number;
  private readonly logger: Logger;
  private snapshot: string[] | undefined = [];
  /** Chunks that never count against the buffer: the replayed snapshot and the final error frame. */
  private readonly free = new WeakSet<Uint8Array>();
  private subscription: Subscription | undefined;
  private timer: Timer | undefined;
  private lastWrite: number;
  private closed = false;
  private offSignal: () => void = () => {};

  constructor(private readonly options: EventStreamOptions) {
    this.clock = options.clock ?? systemClock;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    this.bufferSize = Math.max(1, options.bufferSize ?? DEFAULT_STREAM_BUFFER);
    this.logger = options.logger ?? noopLogger;
    this.lastWrite = this.clock.monotonic();
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.finish('cancel'),
      },
      // Backlog = unread live frames: the queue's desiredSize goes negative by one per frame.
      { highWaterMark: 0, size: (chunk) => (chunk && this.free.has(chunk) ? 0 : 1) },
    );
  }

  subscribe(backend: Pick<DiscoveryBackend, 'subscribe'>, service: string, kinds: EventKindSet): void {
    this.subscription = backend.subscribe(service, kinds, (e, index) => this.onEvent(e, this.options.eventIds ? index : undefined));
    const replay = this.snapshot ?? [];
    this.snapshot = undefined;
    if (this.closed) {
      this.subscription.close();
      return;
    }
    if (replay.length > 0) this.write(replay.join(''), true);
    this.armKeepAlive(this.keepAliveMs);
    const signal = this.options.signal;
    if (signal) {
      const onAbort = () => this.finish('abort');
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.offSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  private onEvent(e: DiscoveryEvent, id: number | undefined): void {
    if (this.closed) return;
    const frame = formatEventFrame(e, id);
    if (this.snapshot) {
      this.snapshot.push(frame);
      return;
    }
    if (-(this.controller.desiredSize ?? 0) >= this.bufferSize) {
      this.logger.warn({ service: e.service, bufferSize: this.bufferSize }, 'event stream reader too slow; ending stream');
      this.write(BLOCKED_RECEIVER_FRAME, true);
      this.finish('overflow');
      return;
    }
    this.write(frame, false);
  }

  private write(text: string, free: boolean): void {
    const chunk = encoder.encode(text);
    if (free) this.free.add(chunk);
    this.lastWrite = this.clock.monotonic();
    this.controller.enqueue(chunk);
  }

  /** Fires after `ms`; writes `:\n` only if nothing was written for `keepAliveMs`. */
  private armKeepAlive(ms: number): void {
    if (!(this.keepAliveMs > 0) || this.closed) return;
    this.timer = this.clock.setTimer(ms, () => {
      if (this.closed) return;
      const idle = this.clock.monotonic() - this.lastWrite;
      if (idle < this.keepAliveMs) {
        this.armKeepAlive(this.keepAliveMs - idle);
        return;
      }
      // A reader that has not taken the previous keep-alive needs no new one.
      if ((this.controller.desiredSize ?? 0) >= 0) this.write(KEEP_ALIVE_FRAME, false);
      else this.lastWrite = this.clock.monotonic();
      this.armKeepAlive(this.keepAliveMs);
    });
  }

  private finish(reason: StreamCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.offSignal();
    this.subscription?.close();
    if (reason !== 'cancel') {
      try {
        this.controller.close();
      } catch {
        // already closed
      }
    }
    this.logger.debug({ reason }, 'event stream closed');
    try {
      this.options.onClose?.(reason);
    } catch {
      // a throwing onClose must not break teardown
    }
  }
}
