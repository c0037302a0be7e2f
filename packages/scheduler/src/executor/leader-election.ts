/**
 * Leader election through discovery (reference §6.1): every scheduler
 * registers in `controller-scheduler`; the service's leader (its oldest
 * instance) is the only one that places and stops jobs and persists their
 * states. Closing deregisters, so the next oldest takes over at once; a
 * scheduler that dies stops heartbeating and its instance expires after the
 * discoverd TTL.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import type { Closer, Heartbeater, ServiceDiscovery } from '@flynn-ts/discovery';

export const SCHEDULER_SERVICE = 'controller-scheduler';

export interface LeaderElectionOptions {
  discovery: Pick<ServiceDiscovery, 'register' | 'onLeaderChange'>;
  /** The address registered (unique per scheduler, e.g. its `/debug/state` listener). */
  addr: string;
  meta?: Record<string, string>;
  /** Default `controller-scheduler`. */
  service?: string;
  onChange: (leader: boolean) => void;
  clock: Clock;
  logger?: Logger;
}

export class LeaderElection {
  private hb: Heartbeater | undefined;
  private follower: Closer | undefined;
  private leading = false;
  private closed = false;
  private readonly logger: Logger;
  private leaderAddr: string | undefined;

  constructor(private readonly o: LeaderElectionOptions) {
    this.logger = o.logger ?? noopLogger;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The current leader's address, when known. */
  get leader(): string | undefined {
    return this.leaderAddr;
  }

  /** Registers (retrying until it succeeds or the election is closed), then follows the leader. */
  async start(): Promise<void> {
    const service = this.o.service ?? SCHEDULER_SERVICE;
    while (!this.closed && !this.hb) {
      try {
        this.hb = await this.o.discovery.register(service, this.o.addr, this.o.meta ?? {});
      } catch (err) {
        this.logger.warn({ event: 'scheduler_register_failed', err }, 'could not register in discovery; retrying');
        await this.o.clock.sleep(1_000).catch(() => {});
      }
    }
    if (this.closed) {
      await this.hb?.close().catch(() => {});
      return;
    }
    const id = this.hb!.id;
    this.logger.info({ event: 'scheduler_registered', service, addr: this.o.addr, instance: id }, 'registered for leader election');
    this.follower = this.o.discovery.onLeaderChange(
      service,
      (leader) => {
        this.leaderAddr = leader?.addr;
        const now = leader?.id === id;
        if (now === this.leading || this.closed) return;
        this.leading = now;
        this.logger.info({ event: now ? 'became_leader' : 'lost_leadership', leader: leader?.addr }, now ? 'this scheduler leads' : 'this scheduler follows');
        this.o.onChange(now);
      },
      (err) => this.logger.warn({ event: 'leader_watch_failed', err }, 'leader watch failed'),
    );
  }

  /** Stops leading and deregisters. */
  async close(): Promise<void> {
    this.closed = true;
    this.follower?.close();
    if (this.leading) {
      this.leading = false;
      this.o.onChange(false);
    }
    await this.hb?.close().catch((err: unknown) => this.logger.warn({ event: 'scheduler_deregister_failed', err }, 'could not deregister'));
  }
}
