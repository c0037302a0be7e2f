/**
 * The heartbeat loop of a registered instance, over any transport (HTTP for
 * the client, in-memory for `MemoryDiscovery`):
 *
 *   registered ──every heartbeatMs − 0–40 %──▶ PUT ──ok──▶ registered
 *        ▲                                       │ fails
 *        └──────ok── PUT ◀──every 200–400 ms── failing ◀┘
 *   setMeta: PUT at once (after any PUT in flight)
 *   close(): stop the timer, abort a PUT in flight, DELETE ──▶ closed
 *
 * With the default 5 s period the beats come every 3–5 s, as the original's.
 * PUTs never overlap: each waits for the previous one, so the server sees the
 * meta changes in order.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { Instance } from '../core/types.js';
import { DiscoveryClosedError } from './errors.js';
import type { Heartbeater } from './service-discovery.js';

/** What a heartbeat sends: an instance without its (server-assigned) index. */
export type InstanceRegistration = Omit<Instance, 'index'>;

export interface HeartbeatTransport {
  /** Registers or refreshes the instance. `signal` aborts when the heartbeater closes. */
  put(instance: InstanceRegistration, signal: AbortSignal): Promise<void>;
  /** Deregisters the instance (idempotent on the server). */
  remove(id: string): Promise<void>;
}

export interface HeartbeatOptions {
  /** Default 5 000. */
  heartbeatMs?: number;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Called once when `close()` starts. */
  onClose?: () => void;
}

const JITTER = 0.4;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 400;
/** How long close() lets a heartbeat in flight finish before aborting it. */
const CLOSE_WAIT_MS = 2_000;

export class HeartbeatLoop implements Heartbeater {
  private registration: InstanceRegistration;
  private timer: Timer | undefined;
  /** The last PUT in the queue (settled, never rejecting). */
  private chain: Promise<void> = Promise.resolve();
  private inflight: AbortController | undefined;
  private closing: Promise<void> | undefined;
  private readonly heartbeatMs: number;
  private readonly logger: Logger;

  constructor(
    readonly service: string,
    registration: InstanceRegistration,
    private readonly transport: HeartbeatTransport,
    private readonly options: HeartbeatOptions,
  ) {
    this.registration = copyRegistration(registration);
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.logger = (options.logger ?? noopLogger).child({ service, addr: registration.addr, id: registration.id });
  }

  get id(): string {
    return this.registration.id;
  }
  get addr(): string {
    return this.registration.addr;
  }
  get proto(): string {
    return this.registration.proto;
  }
  get meta(): Readonly<Record<string, string>> {
    return { ...this.registration.meta };
  }
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Starts the periodic beats; call after the first registration succeeded. */
  start(): void {
    this.schedule(this.nextBeatDelay());
  }

  /** Sends one PUT now (queued behind one in flight); resolves or rejects with its outcome. */
  beat(): Promise<void> {
    const p = this.chain.then(() => this.putOnce());
    this.chain = p.then(
      () => {},
      () => {},
    );
    return p;
  }

  setMeta(meta: Record<string, string>): Promise<void> {
    if (this.closed) return Promise.reject(new DiscoveryClosedError('heartbeater'));
    this.registration = copyRegistration({ ...this.registration, meta });
    this.timer?.cancel();
    return this.beat();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Stops heartbeating *without* deregistering, as if the process died: the
   * instance stays registered until the server's TTL expires it. For tests
   * and for handing a registration over; `close()` afterwards does nothing.
   */
  abandon(): void {
    if (this.closing) return;
    this.timer?.cancel();
    this.options.onClose?.();
    this.inflight?.abort(new DiscoveryClosedError('heartbeater'));
    this.closing = Promise.resolve();
  }

  private async shutdown(): Promise<void> {
    this.timer?.cancel();
    this.options.onClose?.();
    // Give a PUT in flight up to CLOSE_WAIT_MS to finish before aborting it: an
    // aborted PUT whose bytes already left can still reach the server after our
    // DELETE (on another connection) and re-register the instance until its TTL.
    const inflight = this.inflight;
    const timer = inflight ? this.options.clock.setTimer(CLOSE_WAIT_MS, () => inflight.abort(new DiscoveryClosedError('heartbeater'))) : undefined;
    await this.chain;
    timer?.cancel();
    await this.transport.remove(this.registration.id);
  }

  private async putOnce(): Promise<void> {
    if (this.closed) throw new DiscoveryClosedError('heartbeater');
    const ctl = new AbortController();
    this.inflight = ctl;
    try {
      await this.transport.put(copyRegistration(this.registration), ctl.signal);
      this.schedule(this.nextBeatDelay());
    } catch (err) {
      if (!this.closed) {
        this.logger.warn({ err }, 'discovery heartbeat failed');
        this.schedule(this.options.random.between(RETRY_MIN_MS, RETRY_MAX_MS));
      }
      throw err;
    } finally {
      if (this.inflight === ctl) this.inflight = undefined;
    }
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    if (this.closed) return;
    this.timer = this.options.clock.setTimer(ms, () => {
      this.timer = undefined;
      this.beat().catch(() => {}); // failures are logged and retried by putOnce
    });
  }

  private nextBeatDelay(): number {
    return Math.round(this.heartbeatMs - this.options.random.next() * this.heartbeatMs * JITTER);
  }
}

/** A copy with `meta` omitted when empty (as on the wire). */
function copyRegistration(r: InstanceRegistration): InstanceRegistration {
  const out: InstanceRegistration = { id: r.id, addr: r.addr, proto: r.proto };
  if (r.meta && Object.keys(r.meta).length > 0) out.meta = { ...r.meta };
  return out;
}
