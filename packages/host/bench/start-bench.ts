// Start-latency benchmark (issue #6). Two levels, each against a bare
// `runc run -d` of the same bundle in the same run, interleaved job by job:
//
// 1. API (api-start-bench.ts): the real `flynn-host daemon` process, `PUT
//    /host/jobs/:id` sent → the job's `start` event received; `--jobs`
//    sequential and `--concurrent` concurrent; the daemon's RSS with `--idle`
//    sleeping jobs.
// 2. Driver: `OciDriver.start()` → resolved (container running), to split the
//    API's share from the runtime driver's (skip with --driver-jobs 0).
//
//   node --conditions=@flynn-ts/source --import tsx packages/host/bench/start-bench.ts [--jobs 100] [--concurrent 50] [--idle 100] [--driver-jobs 100] [--runtime runc] [--process-jobs 0]
//
// Root only. Prints a table to stderr and, last on stdout, one JSON line
// {bench, figures, peers, ratios} (latencies in ms; ratio = ours / bare runc, lower is better).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ContainerHandle, ContainerSpec } from '../src/contracts.js';
import { OciDriver } from '../src/runtime/oci-driver.js';
import { buildOciConfig } from '../src/runtime/oci-spec.js';
import { ProcessDriver } from '../src/runtime/process-driver.js';
import { mountRootfs, unmountRootfs } from '../src/runtime/rootfs.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { buildBusyboxRootfs, removeCgroupDirs, testSpec } from '../test/runtime-fixtures.js';
import { runApiBench } from './api-start-bench.js';
import type { Started } from './bench-lib.js';
import { BareRunc, pct, r1 } from './bench-lib.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    concurrent: { type: 'string', default: '50' },
    idle: { type: 'string', default: '100' },
    'driver-jobs': { type: 'string', default: '100' },
    runtime: { type: 'string', default: 'runc' },
    wrapper: { type: 'string', default: 'perl' },
    monitor: { type: 'string', default: 'flynn' },
    'process-jobs': { type: 'string', default: '0' },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENT = Number(values.concurrent);
const IDLE = Number(values.idle);
const DRIVER_JOBS = Number(values['driver-jobs']);
const RUNTIME = values.runtime === 'crun' ? 'crun' : 'runc';
const WRAPPER = values.wrapper === 'sh' ? 'sh' : 'perl';
/** The driver level's monitor (the API level runs the daemon, which uses flynn-monitor when it is built). */
const MONITOR = values.monitor === 'conmon' ? 'conmon' : 'flynn';
const PROCESS_JOBS = Number(values['process-jobs']);

const dir = mkdtempSync(join(tmpdir(), 'flynn-start-bench-'));
const cgroupParent = `flynn-bench-${process.pid}`;
const ms = (t0: number) => performance.now() - t0;

/** Driver level: OciDriver.start() vs bare runc, sequential and concurrent. */
async function driverBench(n: number, concurrent: number): Promise<{ figures: Record<string, number>; peers: Record<string, number> }> {
  const lower = buildBusyboxRootfs(join(dir, 'lower'));
  const driver = new OciDriver({ runtime: RUNTIME, runtimeRoot: join(dir, 'oci-root'), cgroupParent, wrapper: WRAPPER, monitor: MONITOR });
  let seq = 0;
  const spec = (): ContainerSpec => {
    const jobId = `b${++seq}`;
    return testSpec({ jobId, args: ['sleep', '3600'], stateDir: join(dir, 'jobs', jobId), lowerDirs: [lower] });
  };
  const ours = async (): Promise<Started> => {
    const s = spec();
    const t0 = performance.now();
    const h: ContainerHandle = await driver.start(s);
    const took = ms(t0);
    return { ms: took, stop: async () => (await h.signal(9), await h.wait(), await driver.cleanup(s.jobId, s.stateDir)) };
  };
  const bareDir = join(dir, 'bare-driver');
  await mountRootfs({ scratch: join(bareDir, 'scratch'), rootfs: join(bareDir, 'rootfs'), lowerDirs: [lower], sizeBytes: 64 << 20 });
  const bare = new BareRunc(bareDir, `${cgroupParent}/bare`, RUNTIME);
  try {
    bare.setConfig(buildOciConfig(testSpec({ jobId: 'bare', args: ['sleep', '3600'], stateDir: bareDir, lowerDirs: [lower] }), { cgroupsPath: 'unused', initPath: '/usr/bin/tini-static' }), join(bareDir, 'rootfs'));
    for (let i = 0; i < 3; i++) {
      await (await ours()).stop();
      await (await bare.start()).stop();
    }
    const o: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = await ours();
      o.push(a.ms);
      await a.stop();
      const b = await bare.start();
      p.push(b.ms);
      await b.stop();
    }
    const conc = async (start: () => Promise<Started>) => {
      const t0 = performance.now();
      const started = await Promise.all(Array.from({ length: concurrent }, () => start()));
      const wall = ms(t0);
      await Promise.all(started.map((s) => s.stop()));
      return { wall, lat: started.map((s) => s.ms) };
    };
    const co = await conc(ours);
    const cb = await conc(() => bare.start());
    return {
      figures: { driver_seq_p50_ms: r1(pct(o, 50)), driver_seq_p99_ms: r1(pct(o, 99)), driver_conc_wall_ms: r1(co.wall), driver_conc_p50_ms: r1(pct(co.lat, 50)) },
      peers: { runc_driver_seq_p50_ms: r1(pct(p, 50)), runc_driver_seq_p99_ms: r1(pct(p, 99)), runc_driver_conc_wall_ms: r1(cb.wall), runc_driver_conc_p50_ms: r1(pct(cb.lat, 50)) },
    };
  } finally {
    bare.removeAll();
    await unmountRootfs({ scratch: join(bareDir, 'scratch'), rootfs: join(bareDir, 'rootfs') }).catch(() => {});
  }
}

/** The process driver's cost per job (no peer): start p50 and the wrapper's RSS. */
async function processJobs(n: number) {
  const pd = new ProcessDriver({ pollIntervalMs: 1000 });
  const handles: { h: ContainerHandle; s: ContainerSpec }[] = [];
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = testSpec({ jobId: `p${i}`, args: ['sleep', '3600'], stateDir: join(dir, 'process', `p${i}`) });
    const t0 = performance.now();
    handles.push({ h: await pd.start(s), s });
    lat.push(ms(t0));
  }
  let rssKb = 0;
  for (const { h } of handles) {
    const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${h.pid}/stat`, 'utf8'))?.[1]);
    rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${ppid}/status`, 'utf8'))?.[1] ?? 0);
  }
  for (let i = 0; i < handles.length; i += 100) {
    await Promise.all(handles.slice(i, i + 100).map(async ({ h, s }) => (await h.signal(9), await h.wait(), await pd.cleanup(s.jobId, s.stateDir))));
  }
  return { p50: pct(lat, 50), wrapperRssKb: rssKb / Math.max(1, n) };
}

try {
  const figures: Record<string, number> = {};
  const peers: Record<string, number> = {};
  if (JOBS > 0) {
    if (RUNTIME !== 'runc') throw new Error('the API bench runs the daemon with its default runtime (runc)');
    const api = await runApiBench({ dir: join(dir, 'api'), jobs: JOBS, concurrent: CONCURRENT, idle: IDLE, cgroupParent: `${cgroupParent}/api` });
    Object.assign(figures, api.figures);
    Object.assign(peers, api.peers);
  }
  if (DRIVER_JOBS > 0) {
    const d = await driverBench(DRIVER_JOBS, CONCURRENT);
    Object.assign(figures, d.figures);
    Object.assign(peers, d.peers);
  }
  if (PROCESS_JOBS > 0) {
    const p = await processJobs(PROCESS_JOBS);
    figures.process_start_p50_ms = r1(p.p50);
    figures.process_wrapper_rss_kb = Math.round(p.wrapperRssKb);
  }
  const ratios: Record<string, number> = {};
  for (const k of Object.keys(figures)) {
    const peer = `${RUNTIME}_${k}`;
    if (peers[peer] !== undefined) ratios[`${k}/${peer}`] = Math.round((figures[k]! / peers[peer]!) * 100) / 100;
  }
  const how = MONITOR === 'flynn' ? 'flynn-monitor' : `conmon, ${WRAPPER} wrapper`;
  console.error(`flynn-host start latency (${RUNTIME}, ${how}, overlay+tmpfs, tini) vs bare \`${RUNTIME} run -d\`: API ${JOBS} sequential / ${CONCURRENT} concurrent, driver ${DRIVER_JOBS} sequential`);
  for (const k of Object.keys(figures)) console.error(`  ${k.padEnd(28)} ${String(figures[k]).padStart(8)}   ${String(peers[`${RUNTIME}_${k}`] ?? '').padStart(8)}`);
  console.log(JSON.stringify({ bench: 'host-start', figures, peers, ratios }));
} finally {
  spawnSync(RUNTIME, ['--root', join(dir, 'oci-root'), 'list', '-q'], { encoding: 'utf8' })
    .stdout?.split('\n')
    .filter(Boolean)
    .forEach((cid) => spawnSync(RUNTIME, ['--root', join(dir, 'oci-root'), 'delete', '-f', cid]));
  for (const m of await mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  removeCgroupDirs(cgroupParent);
  rmSync(dir, { recursive: true, force: true });
}
