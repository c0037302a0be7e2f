// Runtime start-latency benchmark (issue #6): time from driver.start() to "the
// job's process is running" for the oci driver (conmon + runc/crun, overlay
// rootfs on tmpfs, tini), against a bare `runc run -d` of the same bundle
// (same config.json, same rootfs, no conmon, no mounts) in the same run, the
// two interleaved job by job. API-less: the driver is called directly.
//
//   node --conditions=@flynn-ts/source --import tsx packages/host/bench/start-bench.ts [--jobs 100] [--concurrent 50] [--runtime runc] [--process-jobs 0]
//
// Root only. Prints a table to stderr and, last on stdout, one JSON line
// {bench, figures, peers, ratios} (latencies in ms; ratio = ours / bare runc, lower is better).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ContainerHandle, ContainerSpec } from '../src/contracts.js';
import { OciDriver } from '../src/runtime/oci-driver.js';
import { buildOciConfig } from '../src/runtime/oci-spec.js';
import { ProcessDriver } from '../src/runtime/process-driver.js';
import { mountRootfs, unmountRootfs } from '../src/runtime/rootfs.js';
import { buildBusyboxRootfs, removeCgroupDirs, testSpec } from '../test/runtime-fixtures.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    concurrent: { type: 'string', default: '50' },
    runtime: { type: 'string', default: 'runc' },
    'process-jobs': { type: 'string', default: '0' },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENT = Number(values.concurrent);
const RUNTIME = values.runtime === 'crun' ? 'crun' : 'runc';
const PROCESS_JOBS = Number(values['process-jobs']);

const dir = mkdtempSync(join(tmpdir(), 'flynn-start-bench-'));
const cgroupParent = `flynn-bench-${process.pid}`;
const lower = buildBusyboxRootfs(join(dir, 'lower'));
const ociRoot = join(dir, 'oci-root');
const bareRoot = join(dir, 'bare-root');
const driver = new OciDriver({ runtime: RUNTIME, runtimeRoot: ociRoot, cgroupParent, pollIntervalMs: 200 });
const runtimeBin = RUNTIME;
let seq = 0;

const ms = (t0: number) => performance.now() - t0;
const spec = (): ContainerSpec => {
  const jobId = `b${++seq}`;
  return testSpec({ jobId, args: ['sleep', '3600'], stateDir: join(dir, 'jobs', jobId), lowerDirs: [lower] });
};

async function oursStart(): Promise<{ ms: number; stop: () => Promise<void> }> {
  const s = spec();
  const t0 = performance.now();
  const h: ContainerHandle = await driver.start(s);
  const took = ms(t0);
  return {
    ms: took,
    stop: async () => {
      await h.signal(9);
      await h.wait();
      await driver.cleanup(s.jobId, s.stateDir);
    },
  };
}

// The bare peer: one bundle with our config.json and an overlay rootfs mounted once.
const bare = join(dir, 'bare');
async function prepareBare(): Promise<void> {
  await mountRootfs({ scratch: join(bare, 'scratch'), rootfs: join(bare, 'bundle', 'rootfs'), lowerDirs: [lower], sizeBytes: 64 << 20 });
  const config = buildOciConfig(testSpec({ jobId: 'bare', args: ['sleep', '3600'], stateDir: bare, lowerDirs: [lower] }), {
    cgroupsPath: `${cgroupParent}/bare`,
    initPath: '/usr/bin/tini-static',
  });
  writeFileSync(join(bare, 'bundle', 'config.json'), JSON.stringify(config));
}

function bareStart(): Promise<{ ms: number; stop: () => Promise<void> }> {
  const cid = `bare-${++seq}`;
  const bundle = join(bare, 'bundle');
  // Each container needs its own cgroup: patch cgroupsPath per run (not timed).
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { linux: { cgroupsPath: string } };
  config.linux.cgroupsPath = `${cgroupParent}/${cid}`;
  const cfgDir = join(bare, 'configs', cid);
  spawnSync('mkdir', ['-p', cfgDir]);
  writeFileSync(join(cfgDir, 'config.json'), JSON.stringify({ ...config, root: { path: join(bundle, 'rootfs'), readonly: false } }));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(runtimeBin, ['--root', bareRoot, 'run', '-d', '--bundle', cfgDir, cid], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => {
      const took = ms(t0);
      if (code !== 0) return reject(new Error(`${runtimeBin} run -d exited ${code}`));
      resolve({
        ms: took,
        stop: async () => {
          spawnSync(runtimeBin, ['--root', bareRoot, 'delete', '-f', cid]);
        },
      });
    });
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

async function sequential(n: number) {
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = await oursStart();
    ours.push(a.ms);
    await a.stop();
    const b = await bareStart();
    peer.push(b.ms);
    await b.stop();
  }
  return { ours, peer };
}

async function concurrent(n: number, start: () => Promise<{ ms: number; stop: () => Promise<void> }>) {
  const t0 = performance.now();
  const started = await Promise.all(Array.from({ length: n }, () => start()));
  const wall = ms(t0);
  await Promise.all(started.map((s) => s.stop()));
  return { wall, lat: started.map((s) => s.ms) };
}

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
  // RSS of the per-job wrappers (the job's parent sh), what the process driver costs per job besides the job itself.
  let rssKb = 0;
  for (const { h } of handles) {
    const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${h.pid}/stat`, 'utf8'))?.[1]);
    rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${ppid}/status`, 'utf8'))?.[1] ?? 0);
  }
  for (let i = 0; i < handles.length; i += 100) {
    await Promise.all(
      handles.slice(i, i + 100).map(async ({ h, s }) => {
        await h.signal(9);
        await h.wait();
        await pd.cleanup(s.jobId, s.stateDir);
      }),
    );
  }
  return { p50: pct(lat, 50), wrapperRssKb: rssKb / Math.max(1, n) };
}

try {
  await prepareBare();
  // Warm-up (page cache, runtime binary, driver's tool lookup), not measured.
  for (let i = 0; i < 3; i++) {
    await (await oursStart()).stop();
    await (await bareStart()).stop();
  }
  const s = await sequential(JOBS);
  const co = await concurrent(CONCURRENT, oursStart);
  const cb = await concurrent(CONCURRENT, bareStart);
  const figures: Record<string, number> = {
    seq_p50_ms: r1(pct(s.ours, 50)),
    seq_p99_ms: r1(pct(s.ours, 99)),
    conc_wall_ms: r1(co.wall),
    conc_p50_ms: r1(pct(co.lat, 50)),
    conc_p99_ms: r1(pct(co.lat, 99)),
  };
  const peers: Record<string, number> = {
    [`${RUNTIME}_seq_p50_ms`]: r1(pct(s.peer, 50)),
    [`${RUNTIME}_seq_p99_ms`]: r1(pct(s.peer, 99)),
    [`${RUNTIME}_conc_wall_ms`]: r1(cb.wall),
    [`${RUNTIME}_conc_p50_ms`]: r1(pct(cb.lat, 50)),
    [`${RUNTIME}_conc_p99_ms`]: r1(pct(cb.lat, 99)),
  };
  const ratios: Record<string, number> = {};
  for (const k of Object.keys(figures)) ratios[`${k}/${RUNTIME}_${k}`] = Math.round((figures[k]! / peers[`${RUNTIME}_${k}`]!) * 100) / 100;
  if (PROCESS_JOBS > 0) {
    const p = await processJobs(PROCESS_JOBS);
    figures.process_start_p50_ms = r1(p.p50);
    figures.process_wrapper_rss_kb = Math.round(p.wrapperRssKb);
  }
  console.error(`oci driver (${RUNTIME}, conmon, overlay+tmpfs, tini) vs bare \`${RUNTIME} run -d\`: ${JOBS} sequential, ${CONCURRENT} concurrent`);
  for (const k of Object.keys(figures)) console.error(`  ${k.padEnd(24)} ${String(figures[k]).padStart(8)}   ${String(peers[`${RUNTIME}_${k}`] ?? '').padStart(8)}`);
  console.log(JSON.stringify({ bench: 'host-runtime-start', figures, peers, ratios }));
} finally {
  for (const cid of spawnSync(runtimeBin, ['--root', bareRoot, 'list', '-q'], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? []) {
    spawnSync(runtimeBin, ['--root', bareRoot, 'delete', '-f', cid]);
  }
  await unmountRootfs({ scratch: join(bare, 'scratch'), rootfs: join(bare, 'bundle', 'rootfs') }).catch(() => {});
  removeCgroupDirs(cgroupParent);
  rmSync(dir, { recursive: true, force: true });
}
