/**
 * Registrations of the jobs' discoverd services: one watch per service a
 * process type names, instances mapped to jobs by their `FLYNN_JOB_ID` meta
 * (the host job id). A job with a service is `up` only once registered.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';

export const JOB_ID_META = 'FLYNN_JOB_ID';

export interface Registration {
  service: string;
  addr: string;
  /** Discoverd instance id. */
  instance: string;
}

export interface ServiceSetOptions {
  discovery: Pick<ServiceDiscovery, 'watch'>;
  clock: Clock;
  logger?: Logger;
  /** A job's registration appeared or went away. */
  changed: (service: string, hostJobId: string) => void;
}

export class ServiceSet {
  private readonly watches = new Map<string, AbortController>();
  private readonly byJob = new Map<string, Registration>();
  private readonly byInstance = new Map<string, string>();
  private readonly logger: Logger;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly o: ServiceSetOptions) {
    this.logger = o.logger ?? noopLogger;
  }

  /** Starts watching each service not watched yet. */
  ensure(services: Iterable<string>): void {
    for (const s of services) {
      if (this.watches.has(s)) continue;
      const ctl = new AbortController();
      this.watches.set(s, ctl);
      this.loops.push(this.follow(s, ctl.signal));
    }
  }

  /** The registration of a job (by host job id). */
  registration(hostJobId: string): Registration | undefined {
    return this.byJob.get(hostJobId);
  }

  watched(): string[] {
    return [...this.watches.keys()];
  }

  async close(): Promise<void> {
    for (const c of this.watches.values()) c.abort();
    await Promise.all(this.loops.map((l) => l.catch(() => {})));
  }

  private async follow(service: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const watch = this.o.discovery.watch(service, { signal, kinds: new Set(['up', 'update', 'down', 'current']) });
      try {
        for await (const e of watch) {
          const inst = e.instance;
          if (!inst) continue;
          const key = `${service} ${inst.id}`;
          if (e.kind === 'down') {
            const job = this.byInstance.get(key);
            this.byInstance.delete(key);
            if (job !== undefined && this.byJob.get(job)?.instance === inst.id) {
              this.byJob.delete(job);
              this.o.changed(service, job);
            }
            continue;
          }
          const job = inst.meta?.[JOB_ID_META];
          if (!job) continue;
          const had = this.byJob.get(job);
          this.byInstance.set(key, job);
          this.byJob.set(job, { service, addr: inst.addr, instance: inst.id });
          if (had?.addr !== inst.addr) this.o.changed(service, job);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ event: 'service_watch_failed', service, err }, 'service watch failed; retrying');
      } finally {
        watch.close();
      }
      await this.o.clock.sleep(1_000, signal).catch(() => {});
    }
  }
}
