/**
 * End-to-end convergence: a cold scale request of JOBS `sleep` jobs (default
 * 1,000) across HOSTS real hosts (default 10) with the `process` driver, on
 * the scheduler integration tests' cluster (PostgreSQL + controller,
 * discoverd, hosts, one scheduler; all in this process except PostgreSQL and
 * the jobs).
 *
 * Figures, from the formation PUT:
 * - `running_s`: every job running on its host;
 * - `up_in_scheduler_s`: every job `up` in the scheduler's view;
 * - `up_persisted_s`: every job `up` in the controller (what `flynn ps` sees);
 * - `scale_complete_s`: the scale request marked complete;
 * - `jobs_per_s`: JOBS / `up_persisted_s`;
 * - `stop_all_s`: scaling back to zero until no job runs.
 * Each job requests 64 MiB and 10 milli-CPU (hosts offer 16 GiB, 8 CPUs);
 * hosts start at most `STARTS` (default 4, the host default) jobs at once.
 *
 *   npm run bench -w @flynn-ts/scheduler          (runs this after the planner bench)
 *   JOBS=200 HOSTS=10 node --conditions=@flynn-ts/source --import tsx bench/converge-bench.ts
 *
 * Prints progress on stderr and one JSON line last.
 */
import { GiB, MiB } from '@flynn-ts/scheduler';
import { TestCluster } from '../test/cluster.js';

const JOBS = Number(process.env.JOBS ?? 1000);
const HOSTS = Number(process.env.HOSTS ?? 10);
const STARTS = Number(process.env.STARTS ?? 4);

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, t0: number, fn: () => Promise<boolean> | boolean, timeoutMs = 15 * 60_000): Promise<number> {
  for (;;) {
    if (await fn()) {
      const s = (performance.now() - t0) / 1000;
      log(`${what}: ${s.toFixed(2)} s`);
      return s;
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not reached in ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  log(`starting PostgreSQL, controller, discoverd and ${HOSTS} hosts`);
  const cluster = await TestCluster.start({ hosts: HOSTS, capacity: { memory: 16 * GiB, cpu: 8000 }, maxConcurrentStarts: STARTS });
  try {
    const s = await cluster.startScheduler({ maxStartsPerHost: STARTS });
    await until('scheduler leading', performance.now(), () => s.scheduler.role === 'leader', 60_000);
    const { app, release } = await cluster.createApp('bench', { web: { args: ['sleep', '3600'], resources: { memory: { request: 64 * MiB, limit: 64 * MiB }, cpu: { request: 10, limit: 10 } } } });
    const upCount = async () => (await cluster.client.jobList(app.id)).filter((j) => j.state === 'up').length;

    log(`scaling web=${JOBS}`);
    const t0 = performance.now();
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: JOBS } });
    const [running, seen, up, complete] = await Promise.all([
      until('all running', t0, () => cluster.running(app.id).length >= JOBS),
      until('all up in the scheduler', t0, () => s.scheduler.jobsOf(app.id).filter((j) => j.state === 'up').length >= JOBS),
      until('all up in the controller', t0, async () => (await upCount()) >= JOBS),
      until('scale request complete', t0, async () => (await cluster.client.getExpandedFormation(app.id, release.id)).pending_scale_request === undefined),
    ]);
    const perHost = cluster.hosts.map((h) => cluster.running(app.id).filter((r) => r.hostId === h.id).length);
    log(`jobs per host: ${perHost.join(' ')}`);

    const t1 = performance.now();
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 0 } });
    const stopped = await until('all stopped', t1, () => cluster.running(app.id).length === 0);

    const round = (x: number) => Math.round(x * 100) / 100;
    const figures = {
      jobs: JOBS,
      hosts: HOSTS,
      running_s: round(running),
      up_in_scheduler_s: round(seen),
      up_persisted_s: round(up),
      scale_complete_s: round(complete),
      jobs_per_s: round(JOBS / up),
      stop_all_s: round(stopped),
      min_jobs_per_host: Math.min(...perHost),
      max_jobs_per_host: Math.max(...perHost),
    };
    process.stdout.write(`${JSON.stringify({ bench: 'scheduler-converge', figures, peers: {}, ratios: {} })}\n`);
  } finally {
    await cluster.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
