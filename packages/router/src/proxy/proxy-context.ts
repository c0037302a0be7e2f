/**
 * What every client connection of one router shares: the route lookup, the
 * settings, the sticky-cookie codec, the set of open connections (for
 * graceful drain) and the slow-header sweep (slowloris: a request head must
 * be complete within `headerMs` however slowly its bytes trickle in).
 */
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { HttpEntry } from '../core/route-table.js';
import type { ServiceBackends } from './backend-target.js';
import { RequestIds } from './request-ids.js';
import { StickyCookieCodec } from './sticky-cookie.js';
import type { UpstreamSettings } from './upstream-connection.js';

/** What the data path hangs on each HTTP route entry. */
export interface HttpRouteData {
  readonly service: ServiceBackends;
}

export interface RouteLookup {
  matchHttp(host: string, listenerPort: number, target: string): HttpEntry<HttpRouteData> | undefined;
}

export interface ProxyTimeouts {
  /** A request head must be complete this long after its first byte (and a new connection must send one). Default 60 000. */
  headerMs: number;
  /** An idle keep-alive client connection is closed after this long. Default 300 000 (5 min). */
  idleMs: number;
  /** Connecting to a backend. Default 1 000. */
  dialMs: number;
  /** From sending a request to the backend's response head. Default 600 000 (10 min). */
  responseHeaderMs: number;
  /** Idle pooled backend connections are closed after this long. Default 30 000. */
  upstreamIdleMs: number;
}

export const DEFAULT_TIMEOUTS: ProxyTimeouts = {
  headerMs: 60_000,
  idleMs: 300_000,
  dialMs: 1_000,
  responseHeaderMs: 600_000,
  upstreamIdleMs: 30_000,
};

/** One finished request, for optional access logs. */
export interface AccessRecord {
  method: string;
  host: string;
  target: string;
  status: number;
  /** Backend address, when one answered. */
  backend?: string;
  service?: string;
  requestId?: string;
  clientIp: string;
  durationMs: number;
  proto: string;
}

export interface ProxyOptions {
  timeouts?: Partial<ProxyTimeouts>;
  /** Largest request head; larger → 431. Default 32 KiB. */
  maxHeaderBytes?: number;
  /** Largest request body; larger → 413. Default 0 = no limit. */
  maxBodyBytes?: number;
  /** Idle keep-alive connections kept per backend. Default 256. */
  maxIdlePerBackend?: number;
  /** Backends tried for one request (dial failures, replayable resets). Default 4. */
  maxAttempts?: number;
  /** HTML served with 503 when a route has no backend (ERROR_503_PAGE_URL). */
  error503Page?: string;
  /** 32-byte key for the sticky `_backend` cookie; without it sticky routes behave as non-sticky. */
  cookieKey?: Uint8Array;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Called after every request when set (access logs). */
  onAccess?: (record: AccessRecord) => void;
}

/** A client connection as the context sees it. */
export interface ClientConnectionLike {
  /** Closes the connection if it is between requests; otherwise after the current one. */
  drain(): void;
  /** Applies the timeouts as of `now` (coarse monotonic ms). */
  sweep(now: number): void;
  destroy(): void;
}

/** Anything the periodic sweep checks for timeouts. */
export interface Sweepable {
  sweep(now: number): void;
}

export class ProxyContext {
  readonly timeouts: ProxyTimeouts;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly maxAttempts: number;
  readonly error503Page: string | undefined;
  readonly sticky: StickyCookieCodec | undefined;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly onAccess: ((record: AccessRecord) => void) | undefined;
  readonly upstream: UpstreamSettings;
  readonly connections = new Set<ClientConnectionLike>();
  /** Backend connections (pooled, connecting or busy), for their timeouts. */
  readonly upstreams = new Set<Sweepable>();
  draining = false;
  /**
   * Coarse monotonic time in ms, refreshed by the sweep. Connections stamp
   * their activity with it: one property read per event instead of a timer
   * refresh per read and write (what `socket.setTimeout` costs).
   */
  now: number;
  private sweeper: Timer | undefined;

  constructor(
    readonly routes: RouteLookup,
    options: ProxyOptions = {},
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxHeaderBytes = options.maxHeaderBytes ?? 32 * 1024;
    this.maxBodyBytes = options.maxBodyBytes ?? 0;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.error503Page = options.error503Page;
    this.sticky = options.cookieKey ? new StickyCookieCodec(options.cookieKey) : undefined;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? mathRandom;
    this.logger = options.logger ?? noopLogger;
    this.onAccess = options.onAccess;
    this.now = this.clock.monotonic();
    this.upstream = {
      dialTimeoutMs: this.timeouts.dialMs,
      idleTimeoutMs: this.timeouts.upstreamIdleMs,
      responseHeaderTimeoutMs: this.timeouts.responseHeaderMs,
      maxResponseHeadBytes: 64 * 1024,
      maxIdlePerBackend: options.maxIdlePerBackend ?? 256,
      time: this,
      registry: this.upstreams,
    };
  }

  /** The sweep period: a quarter of the shortest timeout, between 10 and 250 ms. */
  get sweepMs(): number {
    const t = this.timeouts;
    return Math.max(10, Math.min(250, Math.floor(Math.min(t.headerMs, t.dialMs, t.responseHeaderMs, t.upstreamIdleMs, t.idleMs) / 4)));
  }

  private readonly ids = new RequestIds();

  newRequestId(): string {
    return this.ids.next();
  }

  /** Starts the timeout sweep over client and backend connections. */
  start(): void {
    if (this.sweeper) return;
    this.sweeper = this.clock.every(this.sweepMs, () => this.sweepNow());
  }

  /** One sweep (the timer calls it; tests may too). */
  sweepNow(): void {
    const now = (this.now = this.clock.monotonic());
    for (const c of this.connections) c.sweep(now);
    for (const u of this.upstreams) u.sweep(now);
  }

  stop(): void {
    this.sweeper?.cancel();
    this.sweeper = undefined;
  }

  /** Graceful drain: idle connections close now, busy ones after their current response. */
  drainAll(): void {
    this.draining = true;
    for (const c of [...this.connections]) c.drain();
  }

  destroyAll(): number {
    const n = this.connections.size;
    for (const c of [...this.connections]) c.destroy();
    return n;
  }
}

/** Backend choice needs speed, not unpredictability; an injected Random replaces it in tests. */
const mathRandom: Random = {
  next: () => Math.random(),
  uint32: () => (Math.random() * 0x1_0000_0000) >>> 0,
  int: (n) => Math.floor(Math.random() * n),
  between: (min, max) => min + Math.floor(Math.random() * (max - min + 1)),
  chance: (p) => Math.random() < p,
  pick: (items) => items[Math.floor(Math.random() * items.length)]!,
  shuffle: (items) => {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  },
};
