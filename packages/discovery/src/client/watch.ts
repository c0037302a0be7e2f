/**
 * A reconnecting watch of one service, over any source of connections (SSE
 * for the HTTP client, in-memory subscriptions for `MemoryDiscovery`).
 *
 * Reconnect semantics (what a caller can rely on):
 *
 * - Every connection is to the service's *all-kinds* stream, because only that
 *   stream ends its replay with `current`; the caller's `kinds` are filtered
 *   here. (The narrower `/instances` and `/leader` streams have no end-of-replay
 *   marker, so a client could not tell which instances vanished, or that the
 *   leader went away, while it was disconnected.)
 * - On every (re)connect the server replays the state (`up`s, `leader`,
 *   `service_meta`, `current`). The replay is buffered until `current`, then
 *   diffed against the watch's own view of the service and only the changes
 *   are emitted (`down` for instances that vanished, `up`/`update` for new or
 *   changed ones, `leader` if it changed, `service_meta` if its index changed:
 *   see `ServiceView.reconcile`). So a caller never sees a state change twice,
 *   and sees every change between its last event and the new state, though
 *   changes that came and went entirely while disconnected collapse into none.
 * - `current` is emitted once, after the first replay; reconnects do not emit
 *   it again.
 * - Live events are passed through the same view, so an event that changes
 *   nothing the caller has seen is dropped.
 * - A connection that ends before `current` is discarded and retried.
 * - The first connection is made on the first `next()`, so the watch shows
 *   the state as of then; wait for `current` (keep it in `kinds`) to know the
 *   watch is live before acting on "no events".
 * - Failures back off (100–200 ms, doubling up to 5 s, jittered; reset once
 *   a replay completes) and are retried forever, except errors `isFatal`
 *   accepts (the HTTP client: a 4xx answer), which end the iteration by
 *   throwing.
 * - Never back in time: the watch remembers the raft index of the newest
 *   state it has shown (a replay's index, or a live event's commit index, as
 *   the connection reports them: SSE `id:` lines with the
 *   `Discoverd-Event-Index` extension, else the stream's `Discoverd-Index`
 *   header for the replay). A reconnect whose replay is older than that (a
 *   follower that lags behind the server the watch was on) is dropped
 *   unseen: the connection is told (`lagging()`, which moves the HTTP client
 *   to its next server) and the watch retries after a backoff until a
 *   server has caught up. Connections that report no index are taken as
 *   they are.
 */
import { AbortedError, backoffDelay, noopLogger, onAbort } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import type { DiscoveryEvent, EventKindSet } from '../core/types.js';
import { ALL_KINDS } from '../core/types.js';
import type { DiscoveryWatch } from './service-discovery.js';
import { ServiceView } from './service-view.js';

/** An event as a connection delivers it, with the raft index of the state it belongs to when known. */
export interface WatchItem {
  event: DiscoveryEvent;
  /** For replayed events (at least for `current`): the index the replayed state is as of; for live events: their commit's. */
  index?: number;
}

/** One connection to a service's all-kinds stream. Ending or throwing means disconnected. */
export interface WatchConnection extends AsyncIterable<WatchItem> {
  /** Drops the connection; a pending `next()` must then settle (done or rejected). */
  close(): void;
  /** The watch dropped this connection because its server is behind what the watch has seen. */
  lagging?(): void;
}

/** Opens a new connection; `attempt` counts failed connections in a row (0 first). */
export type WatchConnector = (attempt: number) => WatchConnection;

export interface WatchEngineOptions {
  kinds?: EventKindSet;
  signal?: AbortSignal;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Default `{ initialMs: 200, maxMs: 5000 }`. */
  backoff?: BackoffOptions;
  /** Errors that end the watch instead of reconnecting. Default none. */
  isFatal?: (err: unknown) => boolean;
  /** Called once when the watch ends, however it ends. */
  onClose?: () => void;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 5_000 };

/** A watch of `service` that connects with `connect` on the first `next()`. */
export function createWatch(service: string, connect: WatchConnector, options: WatchEngineOptions): DiscoveryWatch {
  return new ServiceWatch(service, connect, options);
}

class ServiceWatch implements DiscoveryWatch {
  private readonly view: ServiceView;
  private readonly kinds: EventKindSet;
  private readonly ctl = new AbortController();
  private readonly gen: AsyncGenerator<DiscoveryEvent, void, undefined>;
  private readonly logger: Logger;
  private conn: WatchConnection | undefined;
  private sentCurrent = false;
  private ended = false;
  /** The raft index of the newest state shown to the caller (0: unknown). */
  private seen = 0;

  constructor(
    readonly service: string,
    private readonly connect: WatchConnector,
    private readonly options: WatchEngineOptions,
  ) {
    this.view = new ServiceView(service);
    this.kinds = options.kinds ?? ALL_KINDS;
    this.logger = (options.logger ?? noopLogger).child({ service });
    this.gen = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<DiscoveryEvent> {
    return this.gen;
  }

  close(): void {
    this.stop();
    // Runs the generator's finally now if it is parked at a yield; queued otherwise.
    void this.gen.return(undefined).catch(() => {});
  }

  private stop(): void {
    if (!this.ctl.signal.aborted) this.ctl.abort(new AbortedError('watch closed'));
    this.conn?.close();
    if (!this.ended) {
      this.ended = true;
      this.options.onClose?.();
    }
  }

  private async *run(): AsyncGenerator<DiscoveryEvent, void, undefined> {
    const offSignal = onAbort(this.options.signal, () => this.stop());
    let failures = 0;
    try {
      while (!this.ctl.signal.aborted) {
        const conn = this.connect(failures);
        this.conn = conn;
        let error: unknown;
        let live = false;
        try {
          const snapshot: DiscoveryEvent[] = [];
          for await (const { event, index } of conn) {
            if (this.ctl.signal.aborted) break;
            if (live) {
              if (index !== undefined && index > this.seen) this.seen = index;
              const out = this.view.applyLive(event);
              if (out && out.kind !== 'current') yield* this.emit([out]);
            } else if (event.kind === 'current') {
              if (index !== undefined && index < this.seen) {
                this.logger.info({ replayIndex: index, seenIndex: this.seen }, 'discovery watch: server is behind what the watch has seen; trying again');
                conn.lagging?.();
                break;
              }
              live = true;
              failures = 0;
              if (index !== undefined && index > this.seen) this.seen = index;
              yield* this.emit(this.view.reconcile(snapshot));
              if (!this.sentCurrent) {
                this.sentCurrent = true;
                yield* this.emit([{ service: this.service, kind: 'current' }]);
              }
            } else {
              snapshot.push(event);
            }
          }
        } catch (err) {
          error = err;
        } finally {
          conn.close();
          this.conn = undefined;
        }
        if (this.ctl.signal.aborted) break;
        if (error !== undefined && this.options.isFatal?.(error)) throw error;
        if (!live) failures++;
        const delayMs = backoffDelay(Math.max(0, failures - 1), this.options.random, this.options.backoff ?? DEFAULT_BACKOFF);
        this.logger[error === undefined ? 'debug' : 'warn']({ err: error, attempt: failures, delayMs }, 'discovery watch: reconnecting');
        try {
          await this.options.clock.sleep(delayMs, this.ctl.signal);
        } catch {
          break;
        }
      }
    } finally {
      offSignal();
      this.stop();
    }
    if (this.options.signal?.aborted) throw this.options.signal.reason;
  }

  private *emit(events: readonly DiscoveryEvent[]): Generator<DiscoveryEvent, void, undefined> {
    for (const e of events) if (this.kinds.has(e.kind)) yield e;
  }
}
