import { join } from 'node:path';
import type { ContainerSpec } from '../contracts.js';
import type { CgroupLayout } from './cgroups.js';
import { oomCounterPathSync } from './cgroups.js';
import { startConmon } from './conmon.js';
import { expectedOomCounterFile } from './core/proc-stat.js';
import { findFlynnMonitor, MONITOR_PROTOCOL, monitorProtocol, startMonitor } from './flynn-monitor.js';
import { MonitorPool } from './monitor-pool.js';
import type { OciRuntimeCli } from './oci-runtime.js';
import { runtimeWrapper } from './oci-runtime.js';
import type { OciJobState, OciPaths } from './oci-state.js';
import { mountSyscalls, perlRuntimeWrapper } from './perl-runtime-wrapper.js';
import { isSameProcess, readProcStat, readProcStatSync } from './proc.js';
import type { RootfsMount } from './rootfs.js';
import { RuntimeError } from './runtime-error.js';
import { readText } from './state-file.js';
import type { SyncReport } from './sync-report.js';

/** The container monitor: flynn-monitor (with its spare), or conmon with the runtime wrapper it runs (see RUNTIME_WRAPPER_SCRIPT). */
export type MonitorEnv = { kind: 'flynn'; path: string; pool: MonitorPool | undefined } | { kind: 'conmon'; conmonPath: string; wrapperPath: string };

export interface MonitorChoice {
  monitor?: 'flynn' | 'conmon';
  monitorPath?: string;
  spareMonitor?: boolean;
  conmonPath?: string;
  wrapper?: 'perl' | 'sh';
}

/** flynn-monitor when asked for or (by default) when it was built; conmon and a runtime wrapper else. */
export async function resolveMonitor(
  o: MonitorChoice,
  runtimeRoot: string,
  perlPath: string | undefined,
  need: (what: string, given: string | undefined, name: string) => Promise<string>
): Promise<MonitorEnv> {
  if (o.monitor !== 'conmon') {
    const path = o.monitorPath ?? (await findFlynnMonitor());
    if (path !== undefined) {
      // A binary built from other sources (the C changed, no rebuild yet) would misread its arguments.
      const protocol = await monitorProtocol(path);
      if (protocol !== MONITOR_PROTOCOL) {
        throw new RuntimeError(
          'FLYNN_HOST_RUNTIME_START',
          `${path} speaks protocol ${protocol ?? '?'}, this code ${MONITOR_PROTOCOL}: rebuild it (npm run build:native -w @flynn-ts/host)`
        );
      }
      return { kind: 'flynn', path, pool: o.spareMonitor === false ? undefined : new MonitorPool(path) };
    }
    if (o.monitor === 'flynn') {
      throw new RuntimeError(
        'FLYNN_HOST_RUNTIME_START',
        'flynn-monitor was not built (no C compiler at install?): run `npm run build:native -w @flynn-ts/host`, or use monitor: conmon'
      );
    }
  }
  const sys = mountSyscalls(process.arch);
  const wrapperPath =
    o.wrapper !== 'sh' && perlPath !== undefined && sys !== undefined
      ? await perlRuntimeWrapper(runtimeRoot, perlPath, sys)
      : await runtimeWrapper(runtimeRoot, await need('sh', undefined, 'sh'));
  return { kind: 'conmon', conmonPath: await need('conmon', o.conmonPath, 'conmon'), wrapperPath };
}

/**
 * Where the runtime writes the init's pid for flynn-monitor: on a small tmpfs the monitor mounts at
 * `run/` in the state dir, because runc writes it with O_SYNC, which on a busy disk costs milliseconds
 * of every start. (Not on the job's scratch tmpfs: a job may fill that before the runtime writes it.)
 */
export function runtimePidFile(paths: OciPaths): string {
  return join(paths.run, 'container.pid');
}

/** Starts the job's monitor, which mounts the rootfs and runs `<runtime> run -d`; resolves once the container runs. */
export async function launchMonitor(
  runtime: OciRuntimeCli,
  m: MonitorEnv,
  spec: ContainerSpec,
  paths: OciPaths,
  cid: string,
  mount: RootfsMount,
  oom: OomLocation
): Promise<SyncReport> {
  const common = { runtimeArgs: runtime.globalArgs(), cid, bundle: paths.bundle, logPath: paths.log, stdin: spec.stdin, tty: spec.tty };
  if (m.kind === 'flynn') {
    const rootfs = { scratch: paths.scratch, rootfs: paths.rootfs, tmpfsOptions: mount.tmpfsOptions, overlayOptions: mount.overlayOptions };
    const launch = {
      ...common,
      monitorPath: m.path,
      runtimePath: runtime.path,
      pidFile: runtimePidFile(paths),
      runDir: paths.run,
      initPidFile: paths.pidFile,
      // By the runtime's rule (the init's /proc entry is not there yet); runc and the pinned crun paths follow it.
      oomFile: expectedOomCounterFile(oom.layout === 'v2' ? 'v2' : 'v1', oom.ownCgroup, oom.cgroupsPath),
      cleanup: true,
      monitorPidFile: paths.conmonPidFile,
      exitFile: join(paths.exitDir, cid),
      rootfs,
    };
    return startMonitor(launch, m.pool);
  }
  const env = {
    FLYNN_RUNTIME: runtime.path,
    FLYNN_ROOTFS: paths.rootfs,
    FLYNN_SCRATCH: paths.scratch,
    FLYNN_TMPFS_OPTS: mount.tmpfsOptions,
    FLYNN_OVERLAY_OPTS: mount.overlayOptions,
  };
  const pid = await startConmon({
    ...common,
    conmonPath: m.conmonPath,
    runtimePath: m.wrapperPath,
    pidFile: paths.pidFile,
    conmonPidFile: paths.conmonPidFile,
    exitDir: paths.exitDir,
    env,
  });
  const monitorPid = await readPid(paths.conmonPidFile);
  return monitorPid === undefined ? { pid } : { pid, monitorPid };
}

/** Where the job's cgroup keeps its OOM-kill counter, and whose cgroup that is. */
export interface OomLocation {
  layout: CgroupLayout;
  ownCgroup: string;
  cgroupsPath: string;
}

/**
 * Fills in the started container's pids, their start times (guards against pid reuse) and its OOM
 * counter file, from /proc (read synchronously: no disk, no thread-pool round trip). Pure but for /proc.
 */
export function fillStarted(state: OciJobState, pid: number, monitorPid: number | undefined, oom: OomLocation): void {
  state.pid = pid;
  state.pidStart = readProcStatSync(pid)?.startTime ?? 0;
  state.conmonPid = monitorPid ?? 0;
  state.conmonStart = monitorPid === undefined ? 0 : readProcStatSync(monitorPid)?.startTime ?? 0;
  // From the init's /proc entry; if it is already gone (a job that died at once), from the runtime's rule.
  state.oomFile = oomCounterPathSync(pid, oom.layout) ?? expectedOomCounterFile(oom.layout === 'v2' ? 'v2' : 'v1', oom.ownCgroup, oom.cgroupsPath);
}

/**
 * After a daemon died between the monitor's report and the write of `oci.json` (which is not awaited
 * on the start path): the container's pid from the runtime's pid file and the monitor's from its pid
 * file, if that monitor is still there or already wrote the exit file. Undefined: nothing to follow.
 */
export async function recoverStarted(state: OciJobState, paths: OciPaths, oom: OomLocation): Promise<OciJobState | undefined> {
  const pid = (await readPid(paths.pidFile)) ?? (await readPid(runtimePidFile(paths)));
  const monitorPid = await readPid(paths.conmonPidFile);
  if (pid === undefined || monitorPid === undefined) return undefined;
  const comm = (await readProcStat(monitorPid))?.comm;
  const exited = (await readText(join(paths.exitDir, state.cid))) !== undefined;
  if (!exited && !((comm === 'flynn-monitor' || comm === 'conmon') && (await isSameProcess(monitorPid, 0)))) return undefined;
  const recovered = { ...state };
  fillStarted(recovered, pid, monitorPid, oom);
  return recovered;
}

async function readPid(file: string): Promise<number | undefined> {
  const n = Number((await readText(file).catch(() => undefined))?.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
