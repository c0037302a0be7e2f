/**
 * Registers a job's ports that name a `service` in discovery, from the host
 * side (the original's containerinit did it inside the container): address
 * `<EXTERNAL_IP>:<port>`, meta from the job's `FLYNN_APP_ID`, `FLYNN_APP_NAME`,
 * `FLYNN_RELEASE_ID`, `FLYNN_PROCESS_TYPE`, `FLYNN_JOB_ID` env. A port with a
 * `check` is registered only while the check passes (tcp, http, https;
 * interval/start_timeout are Go durations in ns); `kill_down` SIGKILLs the
 * job when it goes down or does not come up within `start_timeout`.
 * `discoverd-deregister` and the job's end deregister it.
 */
import type { Clock, Logger } from '@flynn-ts/core';
import type { HealthCheck as Probe, ServiceDiscovery } from '@flynn-ts/discovery';
import { httpCheck, registerWhileHealthy, tcpCheck } from '@flynn-ts/discovery';
import type { ActiveJob, HealthCheck, Port } from '../types.js';

const META_ENV = ['FLYNN_APP_ID', 'FLYNN_APP_NAME', 'FLYNN_RELEASE_ID', 'FLYNN_PROCESS_TYPE', 'FLYNN_JOB_ID'];
const NS_PER_MS = 1_000_000;

interface Closable {
  close(): Promise<void>;
}

export interface JobServicesOptions {
  discovery: () => ServiceDiscovery | undefined;
  /** SIGKILLs a job whose `kill_down` check failed. */
  kill: (jobId: string) => void;
  clock: Clock;
  logger: Logger;
}

export class JobServices {
  private readonly byJob = new Map<string, Closable[]>();

  constructor(private readonly o: JobServicesOptions) {}

  /** Registers the job's service ports (no-op without discovery, or when already registered). */
  start(job: ActiveJob): void {
    const discovery = this.o.discovery();
    const ports = (job.job.config.ports ?? []).filter((p) => p.service);
    if (!discovery || ports.length === 0 || this.byJob.has(job.job.id)) return;
    const env = job.job.config.env ?? {};
    const ip = env.EXTERNAL_IP || job.internal_ip || '127.0.0.1';
    const meta = Object.fromEntries(META_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
    this.byJob.set(job.job.id, ports.map((p) => this.register(discovery, job.job.id, p, `${ip}:${p.port}`, meta)));
  }

  /** Deregisters the job's instances. Idempotent. */
  async stop(jobId: string): Promise<void> {
    const regs = this.byJob.get(jobId);
    if (!regs) return;
    this.byJob.delete(jobId);
    await Promise.all(regs.map((r) => r.close().catch((err: unknown) => this.o.logger.warn({ event: 'service_deregister_failed', jobId, err }, 'deregistration failed'))));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.byJob.keys()].map((id) => this.stop(id)));
  }

  private register(discovery: ServiceDiscovery, jobId: string, port: Port, addr: string, meta: Record<string, string>): Closable {
    const service = port.service!;
    const log = this.o.logger.child({ jobId, service: service.name, addr });
    const check = service.check;
    if (!check) {
      const hb = discovery.register(service.name, addr, meta, { proto: port.proto }).then(
        (h) => {
          log.info({ event: 'service_registered' }, 'job service registered');
          return h;
        },
        (err: unknown) => {
          log.error({ event: 'service_register_failed', err }, 'could not register the job service');
          return undefined;
        },
      );
      return { close: async () => void (await (await hb)?.close()) };
    }
    return registerWhileHealthy(discovery, service.name, addr, probe(check, addr, this.o.clock), {
      proto: port.proto,
      meta,
      clock: this.o.clock,
      logger: log,
      ...(check.interval ? { intervalMs: Math.max(1, Math.round(check.interval / NS_PER_MS)) } : {}),
      ...(check.threshold ? { threshold: check.threshold } : {}),
      ...(check.kill_down
        ? {
            killDown: true,
            startTimeoutMs: check.start_timeout ? Math.round(check.start_timeout / NS_PER_MS) : 10_000,
            onKill: (reason) => {
              log.warn({ event: 'service_kill', reason }, 'health check failed with kill_down: killing the job');
              this.o.kill(jobId);
            },
          }
        : {}),
    });
  }
}

function probe(check: HealthCheck, addr: string, clock: Clock): Probe {
  if (check.type === 'tcp') return tcpCheck({ addr, clock });
  return httpCheck({
    url: `${check.type}://${addr}${check.path ?? '/'}`,
    clock,
    ...(check.host ? { host: check.host } : {}),
    ...(check.status ? { status: check.status } : {}),
    ...(check.match ? { match: check.match } : {}),
  });
}
