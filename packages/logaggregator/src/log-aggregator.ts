/**
 * A running log aggregator: the LogStore fed by the syslog input, served by
 * the HTTP API, refilled from a peer and registered in discovery.
 *
 * Start-up order matters for "no log loss when one aggregator restarts":
 * 1. refill from a peer's snapshot (when discovery is given), *before* any
 *    listener is up, so the first `/cursors` a host asks already covers it;
 * 2. HTTP API, then the syslog input;
 * 3. register `serviceName` with the syslog address and meta
 *    `API_PORT=<api port>`: hosts connect, ask `/cursors`, resend the rest.
 *
 * `close()`: deregister, stop the syslog input (hosts resend after their
 * cursor elsewhere / later), end follow streams, close the API.
 */
import type { AddressInfo } from 'node:net';
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import type { Heartbeater, ServiceDiscovery } from '@flynn-ts/discovery';
import { entryFromSyslog } from './core/log-entry.js';
import type { IngestOutcome } from './core/log-store.js';
import { LogStore } from './core/log-store.js';
import { parseRfc5424 } from './core/syslog.js';
import { createLogAggregatorApi } from './log-api.js';
import { API_PORT_META, fetchPeerSnapshot } from './peer-refill.js';
import { SyslogServer } from './syslog-server.js';
import type { SyslogServerStats } from './syslog-server.js';

export const DEFAULT_SERVICE_NAME = 'logaggregator';

export interface LogAggregatorOptions {
  /** API port. Default 0 (any). The daemon uses PORT_0, default 5000. */
  apiPort?: number;
  /** Default 127.0.0.1. */
  apiHost?: string;
  /** Syslog TCP port. Default 0 (any). The daemon uses PORT_1, default 3000. */
  syslogPort?: number;
  /** Default: apiHost. */
  syslogHost?: string;
  /** Register in (and refill from) this discovery service. */
  discovery?: ServiceDiscovery;
  /** Default `logaggregator`. */
  serviceName?: string;
  /**
   * Host part of the registered address. Default: the syslog bind address, or
   * nothing (`:port`, which the discovery client fills with its external IP)
   * when bound to a wildcard address.
   */
  advertiseHost?: string;
  /** Load a peer's snapshot before starting. Default true (with discovery). */
  refill?: boolean;
  /** Per-peer snapshot timeout. Default 30 000 ms. */
  refillTimeoutMs?: number;
  /** Lines kept per app. Default 10,000. */
  capacity?: number;
  /** Largest syslog frame accepted. Default 64 KiB. */
  maxFrameBytes?: number;
  /** Follow flush period. Default 50 ms. */
  flushMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface IngestStats extends SyslogServerStats {
  stored: number;
  duplicates: number;
  /** Lines loaded from a peer at start-up. */
  refilled: number;
}

export class LogAggregator {
  readonly store: LogStore;
  private readonly syslog: SyslogServer;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly closingCtl = new AbortController();
  private readonly ingested: Record<IngestOutcome, number> = { stored: 0, duplicate: 0 };
  private refilled = 0;
  private http: HttpServerHandle | undefined;
  private syslogAddress: AddressInfo | undefined;
  private heartbeater: Heartbeater | undefined;
  private closing: Promise<void> | undefined;

  /** Starts everything (see the module comment); rejects, with everything closed, if a port cannot be bound. */
  static async start(options: LogAggregatorOptions = {}): Promise<LogAggregator> {
    const agg = new LogAggregator(options);
    try {
      await agg.run();
    } catch (err) {
      await agg.close();
      throw err;
    }
    return agg;
  }

  private constructor(private readonly options: LogAggregatorOptions) {
    this.logger = (options.logger ?? noopLogger).child({ component: 'logaggregator' });
    this.clock = options.clock ?? systemClock;
    this.store = new LogStore(options.capacity === undefined ? {} : { capacity: options.capacity });
    this.syslog = new SyslogServer({
      logger: this.logger,
      onMessage: (frame) => this.ingest(frame),
      ...(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {}),
    });
  }

  /** `http://host:port` of the API. */
  get apiUrl(): string {
    return this.http!.url;
  }

  get apiPort(): number {
    return this.http!.port;
  }

  /** The bound syslog port. */
  get syslogPort(): number {
    return this.syslogAddress!.port;
  }

  /** The address registered in discovery, when registered. */
  get registeredAddr(): string | undefined {
    return this.heartbeater?.addr;
  }

  /** Handles one syslog frame (what the syslog input calls). Throws a FlynnError for a bad message. */
  ingest(frame: Uint8Array): IngestOutcome {
    const outcome = this.store.ingest(entryFromSyslog(parseRfc5424(frame)));
    this.ingested[outcome]++;
    return outcome;
  }

  stats(): IngestStats {
    return { ...this.syslog.stats(), stored: this.ingested.stored, duplicates: this.ingested.duplicate, refilled: this.refilled };
  }

  /** Deregisters, closes the syslog input, ends follow streams and closes the API. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.heartbeater?.close().catch((err: unknown) => this.logger.warn({ err }, 'deregistering failed'));
      await this.syslog.close();
      this.closingCtl.abort();
      await this.http?.close();
      this.logger.info({ event: 'closed', ...this.stats() }, 'log aggregator closed');
    })();
    return this.closing;
  }

  private async run(): Promise<void> {
    const o = this.options;
    const serviceName = o.serviceName ?? DEFAULT_SERVICE_NAME;
    const syslogHost = o.syslogHost ?? o.apiHost ?? '127.0.0.1';
    const advertise = o.advertiseHost ?? (isWildcard(syslogHost) ? '' : syslogHost);
    if (o.discovery && (o.refill ?? true)) {
      // With a fixed port our address is known already: a registration left by our previous run is not a peer.
      const selfAddr = o.syslogPort && advertise !== '' ? joinHostPort(advertise, o.syslogPort) : undefined;
      const { entries } = await fetchPeerSnapshot({
        discovery: o.discovery,
        serviceName,
        ...(selfAddr ? { selfAddr } : {}),
        clock: this.clock,
        logger: this.logger,
        signal: this.closingCtl.signal,
        ...(o.refillTimeoutMs !== undefined ? { timeoutMs: o.refillTimeoutMs } : {}),
      });
      this.refilled = this.store.restore(entries);
    }
    const api = createLogAggregatorApi({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      closing: this.closingCtl.signal,
      stats: () => this.stats(),
      ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}),
    });
    const apiHost = o.apiHost ?? '127.0.0.1';
    this.http = await serve(api.fetch, { port: o.apiPort ?? 0, host: apiHost, logger: this.logger, clock: this.clock, graceMs: 2_000 });
    this.syslogAddress = await this.syslog.listen(o.syslogPort ?? 0, syslogHost);
    if (o.discovery) {
      const addr = joinHostPort(advertise, this.syslogAddress.port);
      this.heartbeater = await o.discovery.register(serviceName, addr, { [API_PORT_META]: String(this.http.port) }, { signal: this.closingCtl.signal });
      this.logger.info({ event: 'registered', service: serviceName, addr: this.heartbeater.addr, refilled: this.refilled }, 'registered in discovery');
    }
  }
}

function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** `LogAggregator.start(options)`. */
export function startLogAggregator(options: LogAggregatorOptions = {}): Promise<LogAggregator> {
  return LogAggregator.start(options);
}
