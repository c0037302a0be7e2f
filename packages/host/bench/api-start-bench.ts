// API-call-to-running through the real `flynn-host daemon` process (--driver
// oci, runc + flynn-monitor when built, else conmon): `PUT /host/jobs/:id` sent → that job's `start` event
// received on the `/host/jobs` event stream, for host-network jobs of the
// busybox image, against a bare `runc run -d` of the same bundle (the
// daemon's own config.json for such a job, on one overlay rootfs mounted
// once), interleaved job by job in the same run. Also N concurrent PUTs, and
// the daemon's RSS with M idle (sleeping) jobs. Used by start-bench.ts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';
import { HostClient } from '../src/client/host-client.js';
import type { HostEvent, Job } from '../src/types.js';
import { buildBusyboxImage } from '../src/testing/busybox-image.js';
import { mountRootfs, unmountRootfs } from '../src/runtime/rootfs.js';
import { BareRunc, pct, r1 } from './bench-lib.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export interface ApiBenchOptions {
  dir: string;
  jobs: number;
  concurrent: number;
  idle: number;
  cgroupParent: string;
}

export interface ApiBenchResult {
  figures: Record<string, number>;
  peers: Record<string, number>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** `start`/`cleanup` events of every job, with the time each arrived. */
class EventLog {
  private readonly seen = new Map<string, number>();
  private waiters: Array<() => void> = [];
  constructor(client: HostClient, onOpen: () => void) {
    const stream = client.streamEvents(undefined, { onOpen });
    this.close = () => stream.close();
    void (async () => {
      for await (const e of stream) this.note(e);
    })().catch(() => {});
  }
  readonly close: () => void;
  private note(e: HostEvent): void {
    if (e.event !== 'start' && e.event !== 'cleanup' && e.event !== 'error') return;
    this.seen.set(`${e.event === 'error' ? 'start' : e.event}:${e.job_id}`, performance.now());
    if (e.event === 'error') console.error(`job ${e.job_id} failed: ${e.job.error}`);
    for (const w of this.waiters.splice(0)) w();
  }
  async at(event: 'start' | 'cleanup', id: string): Promise<number> {
    for (;;) {
      const t = this.seen.get(`${event}:${id}`);
      if (t !== undefined) return t;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

export async function runApiBench(o: ApiBenchOptions): Promise<ApiBenchResult> {
  const image = await buildBusyboxImage(join(o.dir, 'image'));
  const state = join(o.dir, 'daemon-state');
  const port = await freePort();
  const args = ['--driver', 'oci', '--http-port', String(port), '--listen-ip', '127.0.0.1', '--id', `bench${process.pid}`, '--state', state, '--volpath', join(o.dir, 'volumes'), '--image-dir', join(o.dir, 'images')];
  args.push('--log-dir', join(o.dir, 'logs'), '--max-job-concurrency', String(Math.max(64, o.concurrent + 8)), '--stop-grace', '1s', '--stop-jobs-on-exit', '--cgroup-parent', o.cgroupParent, '--log-level', 'warn');
  // DAEMON_CPU_PROF=<dir>: a V8 CPU profile of the daemon (written when it exits).
  const prof = process.env.DAEMON_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.DAEMON_CPU_PROF] : [];
  const daemon: ChildProcess = spawn(process.execPath, [...prof, '--conditions=@flynn-ts/source', '--import', 'tsx', join(REPO, 'daemons/host/src/main.ts'), 'daemon', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, FLYNN_HOST_CONFIG: '/nonexistent/host.json' },
  });
  const client = new HostClient({ url: `http://127.0.0.1:${port}`, retries: 0 });
  const bare = new BareRunc(join(o.dir, 'bare'), `${o.cgroupParent}/bare`);
  let events: EventLog | undefined;
  let seq = 0;
  const job = (): Job => ({ id: `bench${process.pid}-${++seq}`, mountspecs: image.mountspecs, config: { args: ['sleep', '3600'], host_network: true } });
  const ours = async (): Promise<{ ms: number; id: string }> => {
    const j = job();
    const t0 = performance.now();
    await client.addJob(j);
    return { ms: (await events!.at('start', j.id)) - t0, id: j.id };
  };
  const stop = async (ids: string[]) => {
    await Promise.all(ids.map((id) => client.stopJob(id)));
    await Promise.all(ids.map((id) => events!.at('cleanup', id)));
  };
  try {
    await waitFor(async () => (await client.ping().then(() => true, () => false)), { timeoutMs: 60_000, intervalMs: 100, what: 'the daemon' });
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    events = new EventLog(client, () => opened());
    await open;
    // Warm-up (layer fetched and mounted, page cache, runtime lookups); the first job's bundle is the bare peer's.
    const first = await ours();
    const config = JSON.parse(readFileSync(join(state, 'containers', first.id, 'bundle', 'config.json'), 'utf8')) as object;
    const layerDirs = [join(o.dir, 'images', 'mnt', image.mountspecs[0]!.hashes!.sha512_256!)];
    await mountRootfs({ scratch: join(o.dir, 'bare', 'scratch'), rootfs: join(o.dir, 'bare', 'rootfs'), lowerDirs: layerDirs, sizeBytes: 100 << 20 });
    bare.setConfig(config, join(o.dir, 'bare', 'rootfs'));
    await stop([first.id]);
    for (let i = 0; i < 3; i++) {
      const w = await ours();
      await stop([w.id]);
      await (await bare.start()).stop();
    }

    const seqOurs: number[] = [];
    const seqBare: number[] = [];
    const cpu0 = cpuMsOf(daemon.pid!);
    for (let i = 0; i < o.jobs; i++) {
      const a = await ours();
      seqOurs.push(a.ms);
      await stop([a.id]);
      const b = await bare.start();
      seqBare.push(b.ms);
      await b.stop();
    }
    const daemonCpuPerJob = (cpuMsOf(daemon.pid!) - cpu0) / Math.max(1, o.jobs);

    const t0 = performance.now();
    const conc = await Promise.all(Array.from({ length: o.concurrent }, () => ours()));
    const concWall = performance.now() - t0;
    await stop(conc.map((c) => c.id));
    const b0 = performance.now();
    const concBare = await Promise.all(Array.from({ length: o.concurrent }, () => bare.start()));
    const concBareWall = performance.now() - b0;
    await Promise.all(concBare.map((b) => b.stop()));

    // The daemon's RSS with no job, then with `idle` sleeping jobs (started in batches under the concurrency limit).
    const rssNoJobsKb = rssKbOf(daemon.pid!);
    const idle: string[] = [];
    while (idle.length < o.idle) idle.push(...(await Promise.all(Array.from({ length: Math.min(32, o.idle - idle.length) }, () => ours()))).map((x) => x.id));
    await new Promise((r) => setTimeout(r, 2_000));
    const rssKb = rssKbOf(daemon.pid!);
    const monitorRssKb = averageRssKb(idle.map((id) => Number(readFileSync(join(state, 'containers', id, 'conmon.pid'), 'utf8').trim())));
    await stop(idle);
    const idleRssAfterKb = rssKbOf(daemon.pid!);

    return {
      figures: {
        api_seq_p50_ms: r1(pct(seqOurs, 50)),
        api_seq_p99_ms: r1(pct(seqOurs, 99)),
        api_conc_wall_ms: r1(concWall),
        api_conc_p50_ms: r1(pct(conc.map((c) => c.ms), 50)),
        api_conc_p99_ms: r1(pct(conc.map((c) => c.ms), 99)),
        daemon_cpu_ms_per_job: r1(daemonCpuPerJob),
        daemon_rss_no_jobs_mb: r1(rssNoJobsKb / 1024),
        [`daemon_rss_${o.idle}_idle_jobs_mb`]: r1(rssKb / 1024),
        daemon_rss_after_stop_mb: r1(idleRssAfterKb / 1024),
        monitor_rss_per_job_mb: r1(monitorRssKb / 1024),
      },
      peers: {
        runc_api_seq_p50_ms: r1(pct(seqBare, 50)),
        runc_api_seq_p99_ms: r1(pct(seqBare, 99)),
        runc_api_conc_wall_ms: r1(concBareWall),
        runc_api_conc_p50_ms: r1(pct(concBare.map((b) => b.ms), 50)),
        runc_api_conc_p99_ms: r1(pct(concBare.map((b) => b.ms), 99)),
      },
    };
  } finally {
    events?.close();
    await client.close();
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM'); // --stop-jobs-on-exit: whatever still runs is stopped
      await exited;
    }
    bare.removeAll();
    await unmountRootfs({ scratch: join(o.dir, 'bare', 'scratch'), rootfs: join(o.dir, 'bare', 'rootfs') }).catch(() => {});
  }
}

/** CPU time (user + system, ms) a process used so far. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function rssKbOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Average VmRSS (KiB) of the given processes. */
function averageRssKb(pids: number[]): number {
  const kbs = pids.map(rssKbOf);
  return kbs.length > 0 ? kbs.reduce((a, b) => a + b, 0) / kbs.length : Number.NaN;
}
