// The monitor's own cost: `runc run -d` spawned directly (the peer) against flynn-monitor running the
// same `runc run -d` of the same bundle, interleaved, from the same Node process: spawned for the start
// on the peer's rootfs (`monitor`), spawned and mounting the per-job rootfs (tmpfs upper + overlay) as
// the driver does (`monitor_mount`), and that with the spare monitor the driver keeps (`spare_monitor_mount`).
// No daemon, no job manager.
//   node --conditions=@flynn-ts/source --import tsx packages/host/bench/monitor-bench.ts [--jobs 50]
// Root only. Last line: {"bench":"host-monitor",...}
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findFlynnMonitor, startMonitor } from '../src/runtime/flynn-monitor.js';
import { MonitorPool } from '../src/runtime/monitor-pool.js';
import { buildOciConfig } from '../src/runtime/oci-spec.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { mountRootfs, rootfsMountOptions, unmountRootfs } from '../src/runtime/rootfs.js';
import { buildBusyboxRootfs, removeCgroupDirs, testSpec } from '../test/runtime-fixtures.js';
import { BareRunc, pct, r1 } from './bench-lib.js';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '50' } },
});
const JOBS = Number(values.jobs);
const dir = mkdtempSync(join(tmpdir(), 'flynn-monitor-bench-'));
const cgroupParent = `flynn-mbench-${process.pid}`;
const root = join(dir, 'oci-root');
const monitorPath = await findFlynnMonitor();
if (!monitorPath) throw new Error('flynn-monitor is not built');
let seq = 0;

try {
  const lower = buildBusyboxRootfs(join(dir, 'lower'));
  const spec = testSpec({
    jobId: 'm',
    args: ['sleep', '3600'],
    stateDir: dir,
    lowerDirs: [lower],
  });
  const config = buildOciConfig(spec, {
    cgroupsPath: `${cgroupParent}/x`,
    initPath: '/usr/bin/tini-static',
    limitSwap: false,
  });
  const shared = {
    scratch: join(dir, 'shared', 'scratch'),
    rootfs: join(dir, 'shared', 'rootfs'),
  };
  await mountRootfs({ ...shared, lowerDirs: [lower], sizeBytes: 100 << 20 });
  const bare = new BareRunc(join(dir, 'bare'), `${cgroupParent}/bare`);
  bare.setConfig(config, shared.rootfs);

  const pool = new MonitorPool(monitorPath);
  const viaMonitor = async (mount: boolean, spare = false): Promise<number> => {
    const cid = `m-${process.pid}-${++seq}`;
    const job = join(dir, 'jobs', cid);
    const bundle = join(job, 'bundle');
    const scratch = join(job, 'scratch');
    const rootfs = join(bundle, 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    mkdirSync(scratch, { recursive: true });
    mkdirSync(join(job, 'exits'), { recursive: true });
    const c = {
      ...config,
      root: { path: mount ? rootfs : shared.rootfs, readonly: false },
      linux: { ...config.linux, cgroupsPath: `${cgroupParent}/${cid}` },
    };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(c));
    const m = rootfsMountOptions({
      scratch,
      lowerDirs: [lower],
      sizeBytes: 100 << 20,
    });
    const t0 = performance.now();
    await startMonitor(
      {
        monitorPath: monitorPath!,
        runtimePath: '/usr/sbin/runc',
        runtimeArgs: ['--root', root],
        cid,
        bundle,
        // On a tmpfs (no job writes to), as the driver does: runc writes it with O_SYNC.
        pidFile: join(shared.scratch, `${cid}.pid`),
        monitorPidFile: join(job, 'monitor.pid'),
        exitFile: join(job, 'exits', cid),
        logPath: join(job, 'output.log'),
        stdin: false,
        tty: false,
        ...(mount
          ? {
              rootfs: {
                scratch,
                rootfs,
                tmpfsOptions: m.tmpfsOptions,
                overlayOptions: m.overlayOptions,
              },
            }
          : {}),
      },
      spare ? pool : undefined
    );
    const ms = performance.now() - t0;
    spawnSync('runc', ['--root', root, 'delete', '-f', cid]);
    if (mount) await unmountRootfs({ scratch, rootfs });
    return ms;
  };

  const lat = {
    bare: [] as number[],
    monitor: [] as number[],
    monitorMount: [] as number[],
    spareMount: [] as number[],
  };
  for (let i = 0; i < 3; i++) {
    await viaMonitor(false);
    await viaMonitor(true, true);
    await (await bare.start()).stop();
  }
  for (let i = 0; i < JOBS; i++) {
    const b = await bare.start();
    lat.bare.push(b.ms);
    await b.stop();
    lat.monitor.push(await viaMonitor(false));
    lat.monitorMount.push(await viaMonitor(true));
    lat.spareMount.push(await viaMonitor(true, true));
  }
  pool.close();
  const p50 = (xs: number[]) => r1(pct(xs, 50));
  const figures = {
    bare_p50_ms: p50(lat.bare),
    monitor_p50_ms: p50(lat.monitor),
    monitor_mount_p50_ms: p50(lat.monitorMount),
    spare_monitor_mount_p50_ms: p50(lat.spareMount),
  };
  const ratio = (x: number) => Math.round((x / figures.bare_p50_ms) * 100) / 100;
  const ratios = {
    monitor: ratio(figures.monitor_p50_ms),
    monitor_mount: ratio(figures.monitor_mount_p50_ms),
    spare_monitor_mount: ratio(figures.spare_monitor_mount_p50_ms),
  };
  console.log(JSON.stringify({ bench: 'host-monitor', jobs: JOBS, figures, ratios }));
} finally {
  spawnSync('runc', ['--root', root, 'list', '-q'], { encoding: 'utf8' })
    .stdout?.split('\n')
    .filter(Boolean)
    .forEach((cid) => spawnSync('runc', ['--root', root, 'delete', '-f', cid]));
  for (const m of await mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  removeCgroupDirs(cgroupParent);
  rmSync(dir, { recursive: true, force: true });
}
