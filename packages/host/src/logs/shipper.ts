/**
 * Ships the host's log records to every log receiver: one AggregatorConnection
 * per receiver, receivers added and removed by following a discovery service
 * (`logaggregator`: `up` adds, `down` removes, as the original's
 * StreamToAggregators) and/or by hand (`add`/`remove`, a static list).
 *
 * What a connection learnt (the last seq sent, whether the receiver answers
 * `/cursors`) survives the receiver going down and up again under the same
 * address, so a receiver without `/cursors` still resumes where it was.
 */
import { Backoff, cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import { AggregatorConnection } from './aggregator-connection.js';
import type { ConnectionState, ShipSource } from './aggregator-connection.js';
import { httpCursorFetcher } from './cursor-client.js';
import type { CursorFetcher, LogReceiver } from './cursor-client.js';
import { tcpDialer } from './tcp-sink.js';
import type { SinkDialer } from './tcp-sink.js';

export type { ShipSource } from './aggregator-connection.js';

export interface LogShipperOptions {
  source: ShipSource;
  /** This host's id: the key of its cursor at the receivers. */
  hostId: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Default: TCP (tcpDialer). */
  dial?: SinkDialer;
  /** Default: `GET cursorsUrl(receiver)` (httpCursorFetcher). */
  fetchCursor?: CursorFetcher;
  /** URL of a receiver's `/cursors`. Default `http://<receiver ip>/cursors` (port 80, as the original). */
  cursorsUrl?: (receiver: LogReceiver) => string;
  /** Live records buffered per connection before it falls back to the files. Default 10,000. */
  maxBufferedRecords?: number;
  /** Reconnect backoff. Default 100 ms doubling to 10 s, jittered. */
  backoff?: BackoffOptions;
  /** Largest socket write. Default 256 KiB. */
  maxWriteBytes?: number;
}

export interface SinkStatus {
  addr: string;
  state: ConnectionState;
  sentSeq?: number;
  confirmedSeq?: number;
}

export class LogShipper {
  private readonly connections = new Map<string, AggregatorConnection>();
  /** What past connections learnt about a receiver, by address. */
  private readonly memory = new Map<string, { sentSeq: number | undefined; answersCursors: boolean }>();
  private readonly ctl = new AbortController();
  private readonly watches: Promise<void>[] = [];
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly dial: SinkDialer;
  private readonly fetchCursor: CursorFetcher;

  constructor(private readonly options: LogShipperOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = options.logger ?? noopLogger;
    this.dial = options.dial ?? tcpDialer({ clock: this.clock });
    this.fetchCursor =
      options.fetchCursor ?? httpCursorFetcher({ clock: this.clock, ...(options.cursorsUrl ? { cursorsUrl: options.cursorsUrl } : {}) });
  }

  /** Ships to `receiver` (updates its meta when it is known already). */
  add(receiver: LogReceiver): void {
    if (this.ctl.signal.aborted) return;
    const known = this.connections.get(receiver.addr);
    if (known) {
      known.receiver = receiver;
      return;
    }
    const conn = new AggregatorConnection(receiver, {
      hostId: this.options.hostId,
      source: this.options.source,
      dial: this.dial,
      fetchCursor: this.fetchCursor,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      backoff: this.options.backoff ?? { initialMs: 100, maxMs: 10_000 },
      maxBufferedRecords: this.options.maxBufferedRecords ?? 10_000,
      maxWriteBytes: this.options.maxWriteBytes ?? 256 * 1024,
    });
    const remembered = this.memory.get(receiver.addr);
    if (remembered) {
      conn.sentSeq = remembered.sentSeq;
      conn.answersCursors = remembered.answersCursors;
    }
    this.connections.set(receiver.addr, conn);
    this.logger.info({ sink: receiver.addr }, 'log receiver added');
    conn.start();
  }

  /** Stops shipping to `addr`. */
  async remove(addr: string): Promise<void> {
    const conn = this.connections.get(addr);
    if (!conn) return;
    this.connections.delete(addr);
    await conn.close();
    this.memory.set(addr, { sentSeq: conn.sentSeq, answersCursors: conn.answersCursors });
    this.logger.info({ sink: addr }, 'log receiver removed');
  }

  /** Follows `service`'s instances until close(). */
  followService(discovery: ServiceDiscovery, service = 'logaggregator'): void {
    this.watches.push(this.watchLoop(discovery, service));
  }

  status(): SinkStatus[] {
    return [...this.connections.values()].map((c) => {
      const s: SinkStatus = { addr: c.receiver.addr, state: c.state };
      if (c.sentSeq !== undefined) s.sentSeq = c.sentSeq;
      if (c.confirmedSeq !== undefined) s.confirmedSeq = c.confirmedSeq;
      return s;
    });
  }

  async close(): Promise<void> {
    this.ctl.abort();
    await Promise.all(this.watches);
    await Promise.all([...this.connections.keys()].map((addr) => this.remove(addr)));
  }

  private async watchLoop(discovery: ServiceDiscovery, service: string): Promise<void> {
    const signal = this.ctl.signal;
    const backoff = new Backoff({ initialMs: 500, maxMs: 10_000 }, this.random);
    while (!signal.aborted) {
      try {
        const watch = discovery.watch(service, { kinds: new Set(['up', 'update', 'down', 'current']), signal });
        for await (const ev of watch) {
          backoff.reset();
          if (!ev.instance) continue;
          const receiver: LogReceiver = { addr: ev.instance.addr, ...(ev.instance.meta ? { meta: ev.instance.meta } : {}) };
          if (ev.kind === 'up' || ev.kind === 'update') this.add(receiver);
          else if (ev.kind === 'down') await this.remove(receiver.addr);
        }
      } catch (err) {
        if (signal.aborted) break;
        this.logger.warn({ err, service }, 'watching log receivers failed');
      }
      try {
        await this.clock.sleep(backoff.next(), signal);
      } catch {
        break;
      }
    }
  }
}
