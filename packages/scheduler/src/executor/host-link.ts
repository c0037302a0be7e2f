/**
 * The executor's connection to one host: its status (capacity), its job
 * event stream, and a full job listing after every (re)connection of that
 * stream, since a host replays nothing (events in a gap are caught by the
 * listing). A listing also runs on demand (takeover, periodic job sync).
 */
import { Backoff, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ResourceAmount } from '../core/model.js';
import type { SchedulerHost } from './ports.js';
import type { WireActiveJob, WireHostEvent, WireHostStatus } from './wire.js';

export interface HostLinkHandlers {
  /** A full listing, started at `startedAt` (jobs missing from it are not on the host). */
  listing(hostId: string, jobs: Record<string, WireActiveJob>, startedAt: number): void;
  event(hostId: string, event: WireHostEvent): void;
  /** The link has its first listing and the host's status. */
  synced(hostId: string): void;
}

export interface HostLinkOptions {
  hostId: string;
  addr: string;
  client: SchedulerHost;
  handlers: HostLinkHandlers;
  /** The capacity when the host does not report one. */
  capacityFor: (hostId: string, status: WireHostStatus | undefined) => ResourceAmount;
  clock: Clock;
  random: Random;
  logger?: Logger;
}

export class HostLink {
  readonly hostId: string;
  readonly addr: string;
  readonly client: SchedulerHost;
  capacity: ResourceAmount | undefined;
  private isSynced = false;
  private readonly ctl = new AbortController();
  private readonly logger: Logger;
  private loop: Promise<void> | undefined;
  private listing: Promise<boolean> | undefined;

  constructor(private readonly o: HostLinkOptions) {
    this.hostId = o.hostId;
    this.addr = o.addr;
    this.client = o.client;
    this.logger = (o.logger ?? noopLogger).child({ hostId: o.hostId });
  }

  get synced(): boolean {
    return this.isSynced;
  }

  start(): void {
    this.loop = this.follow();
  }

  async close(): Promise<void> {
    this.ctl.abort();
    await this.loop?.catch(() => {});
    await this.o.client.close().catch(() => {});
  }

  /** Lists the host's jobs and reports them; resolves false if the host did not answer. */
  list(): Promise<boolean> {
    this.listing ??= this.doList().finally(() => (this.listing = undefined));
    return this.listing;
  }

  private async doList(): Promise<boolean> {
    const startedAt = this.o.clock.now();
    try {
      const jobs = await this.o.client.listJobs();
      if (this.ctl.signal.aborted) return false;
      this.o.handlers.listing(this.hostId, jobs, startedAt);
      return true;
    } catch (err) {
      if (!this.ctl.signal.aborted) this.logger.warn({ event: 'host_list_failed', err }, 'could not list host jobs');
      return false;
    }
  }

  private async readStatus(): Promise<void> {
    let status: WireHostStatus | undefined;
    try {
      status = await this.o.client.status();
    } catch (err) {
      this.logger.warn({ event: 'host_status_failed', err }, 'could not read host status; using the default capacity');
    }
    this.capacity = this.o.capacityFor(this.hostId, status);
  }

  private async follow(): Promise<void> {
    const signal = this.ctl.signal;
    const backoff = new Backoff({ initialMs: 250, maxMs: 5_000 }, this.o.random);
    await this.readStatus();
    while (!signal.aborted) {
      const stream = this.o.client.streamEvents(undefined, {
        signal,
        onOpen: () => {
          backoff.reset();
          void this.list().then((ok) => {
            if (ok && !this.isSynced) {
              this.isSynced = true;
              this.o.handlers.synced(this.hostId);
            }
          });
        },
      });
      try {
        for await (const event of stream) this.o.handlers.event(this.hostId, event);
      } catch (err) {
        if (signal.aborted) return;
        this.logger.debug({ event: 'host_stream_failed', err }, 'host event stream failed; reconnecting');
      } finally {
        stream.close();
      }
      await this.o.clock.sleep(backoff.next(), signal).catch(() => {});
    }
  }
}
