import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { ContainerHandle, ContainerSpec, RuntimeDriver } from '../contracts.js';
import { pathExists } from '../path-exists.js';
import { detectCgroupLayout, ownMemoryCgroup } from './cgroups.js';
import type { CgroupLayout } from './cgroups.js';
import { containerId } from './core/container-id.js';
import { findCommandInRoot } from './core/rootfs-lookup.js';
import { DirWatcher } from './dir-watcher.js';
import { OciHandle } from './oci-handle.js';
import { fillStarted, launchMonitor, recoverStarted, resolveMonitor } from './oci-monitor.js';
import type { MonitorEnv, OomLocation } from './oci-monitor.js';
import { OciRuntimeCli, crunHybridWrapper } from './oci-runtime.js';
import { buildOciConfig, DEFAULT_PATH } from './oci-spec.js';
import { mountsUnder, ociPaths, parseOciState } from './oci-state.js';
import type { OciJobState } from './oci-state.js';
import { findExecutable, isSameProcess, readProcStat, trySignal } from './proc.js';
import { layeredLookupFs, rootfsMountOptions, unmountAll } from './rootfs.js';
import { RuntimeError } from './runtime-error.js';
import { readJson, readText, writeJsonAtomic } from './state-file.js';

export interface OciDriverOptions {
  /** Default `runc`. */
  runtime?: 'runc' | 'crun';
  /** Path of the runtime binary; default: `runtime` found on the standard PATH. */
  runtimePath?: string;
  /** The runtime's state root (`--root`); default `/run/flynn-ts/<runtime>`, apart from other users of runc. */
  runtimeRoot?: string;
  /**
   * What supervises each container: `flynn` (flynn-monitor, built from native/flynn-monitor.c at
   * install: one process per job that mounts the rootfs, runs the runtime and owns the container's
   * stdio) or `conmon` (conmon running a runtime wrapper). Default: `flynn` when the binary is
   * there, else `conmon`.
   */
  monitor?: 'flynn' | 'conmon';
  /** Path of flynn-monitor; default the one the package built (`build/Release/flynn-monitor`). */
  monitorPath?: string;
  /** Keep flynn-monitors spawned ahead of starts (see MonitorPool): a start then spawns nothing itself. Default true; {@link OciDriver.close} lets them go. */
  spareMonitor?: boolean;
  /** Default: `conmon` on the standard PATH (only with `monitor: 'conmon'`). */
  conmonPath?: string;
  /**
   * A static init run as each container's PID 1 (`tini -s -g --`); default
   * `/usr/bin/tini-static`, else `/usr/bin/tini` (which is dynamically linked
   * and so only works in images with a glibc). `false`: the job is PID 1.
   */
  initPath?: string | false;
  /**
   * Parent of every job's cgroup (`<parent>/<container id>`). Relative (the
   * default `flynn`): under the daemon's own cgroup; absolute: from the
   * cgroup root (e.g. `/flynn`, as the original).
   */
  cgroupParent?: string;
  /** Capabilities of the job; default Docker's set (see DEFAULT_CAPABILITIES). */
  capabilities?: readonly string[];
  /** Perl for the stdin relay; default `perl` on the standard PATH (optional: only openStdin needs it). */
  perlPath?: string;
  logger?: Logger;
  /** How often waiters re-check files when inotify is silent (ms). Default 1000. */
  pollIntervalMs?: number;
  /**
   * With conmon: what conmon runs as the runtime to mount the rootfs and `run -d`: `perl`
   * (one process, mount(2) directly; the default when Perl is there and the
   * architecture is x64 or arm64) or `sh` (sh + mount + mkdir + mkdir + mount).
   */
  wrapper?: 'perl' | 'sh';
}

interface DriverEnv {
  runtime: OciRuntimeCli;
  monitor: MonitorEnv;
  initPath: string | undefined;
  perlPath: string | undefined;
  layout: CgroupLayout;
  /** The daemon's own cgroup (memory controller on v1): the monitor and the runtime inherit it. */
  ownCgroup: string;
  cgroupParent: string;
  limitSwap: boolean;
}

/**
 * Runs each job in an OCI container: runc (default) or crun, supervised by
 * flynn-monitor (or conmon). See DESIGN.md ("Runtime drivers") for the
 * bundle, rootfs, limits, OOM detection, stdin/tty and re-attach.
 */
export class OciDriver implements RuntimeDriver {
  readonly name = 'oci';
  private readonly logger: Logger;
  private readonly pollMs: number;
  private envPromise: Promise<DriverEnv> | undefined;
  /** Commands found in images (layers are immutable, so a hit stays true): skips the lookup on the next start. */
  private readonly found = new Set<string>();
  /** `oci.json` writes after a start, not awaited by it (by file): teardown and reattach wait for them. */
  private readonly saving = new Map<string, Promise<void>>();

  constructor(private readonly options: OciDriverOptions = {}) {
    this.logger = options.logger ?? noopLogger;
    this.pollMs = options.pollIntervalMs ?? 1000;
  }

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    validateSpec(spec);
    const env = await this.env();
    const log = this.logger.child({ jobId: spec.jobId });
    const cid = containerId(spec.jobId);
    const paths = ociPaths(spec.stateDir);
    // Independent steps in parallel: every millisecond here is start latency.
    const [earlier] = await Promise.all([
      readText(paths.stateFile),
      this.checkCommand(spec),
      mkdir(paths.exitDir, { recursive: true, mode: 0o700 }),
      mkdir(paths.scratch, { recursive: true, mode: 0o700 }),
      mkdir(paths.rootfs, { recursive: true, mode: 0o755 }),
      mkdir(paths.run, { recursive: true, mode: 0o700 }),
    ]);
    if (earlier !== undefined) {
      // A state dir reused for a new start: remove what the earlier container left.
      await this.teardown(spec.jobId, spec.stateDir, false);
      await Promise.all([paths.log, paths.pidFile, paths.conmonPidFile, join(paths.exitDir, cid)].map((f) => rm(f, { force: true })));
    }
    const state: OciJobState = {
      v: 1,
      driver: 'oci',
      jobId: spec.jobId,
      cid,
      runtimePath: env.runtime.path,
      runtimeRoot: env.runtime.root,
      pid: 0,
      pidStart: 0,
      conmonPid: 0,
      conmonStart: 0,
      tty: spec.tty,
      stdin: spec.stdin,
    };
    const mount = rootfsMountOptions({ scratch: paths.scratch, lowerDirs: spec.lowerDirs!, sizeBytes: spec.tempDiskBytes });
    const config = buildOciConfig(spec, {
      cgroupsPath: `${env.cgroupParent}/${cid}`,
      ...(env.initPath === undefined ? {} : { initPath: env.initPath }),
      ...(this.options.capabilities === undefined ? {} : { capabilities: this.options.capabilities }),
      limitSwap: env.limitSwap,
    });
    let report;
    try {
      await Promise.all([writeFile(join(paths.bundle, 'config.json'), JSON.stringify(config)), writeJsonAtomic(paths.stateFile, state)]);
      // One spawn at most (none with a spare monitor): the monitor mounts the rootfs and runs `<runtime> run -d`.
      report = await launchMonitor(env.runtime, env.monitor, spec, paths, cid, mount, this.oomLocation(env, cid));
    } catch (err) {
      log.warn({ err }, 'container start failed; rolling back');
      await env.runtime.delete(cid).catch(() => false);
      // A conmon that never reported (timeout) is still ours to stop (flynn-monitor: startMonitor stops it).
      const conmonPid = Number((await readText(paths.conmonPidFile).catch(() => undefined))?.trim());
      if (Number.isInteger(conmonPid) && conmonPid > 0 && (await readProcStat(conmonPid))?.comm === 'conmon') trySignal(conmonPid, 9);
      await unmountAll(await mountsUnder(spec.stateDir)).catch((e: unknown) => log.error({ err: e }, 'rollback: unmount failed'));
      throw err;
    }
    fillStarted(state, report.pid, report.monitorPid, this.oomLocation(env, cid));
    // Not awaited: the container runs now, and a daemon that dies before this write is done finds
    // the pids in the runtime's and the monitor's pid files instead (see recoverStarted).
    this.save(paths.stateFile, state, log);
    log.info({ pid: state.pid, cid, conmonPid: state.conmonPid }, 'container started');
    return new OciHandle(state, { paths, pollMs: this.pollMs, logger: log, perlPath: env.perlPath });
  }

  /** Lets the spare monitors go (jobs and their monitors are not touched); later starts spawn their monitor. */
  async close(): Promise<void> {
    const env = await this.envPromise?.catch(() => undefined);
    if (env?.monitor.kind === 'flynn') env.monitor.pool?.close();
  }

  async reattach(jobId: string, stateDir: string): Promise<ContainerHandle | null> {
    const paths = ociPaths(stateDir);
    await this.saving.get(paths.stateFile);
    let state = parseOciState(await readJson(paths.stateFile), jobId);
    // pid 0: the daemon died while starting it, or before it recorded the pids; the pid files tell which.
    if (state && state.pid === 0) {
      state = await recoverStarted(state, paths, this.oomLocation(await this.env(), state.cid));
      if (state) await writeJsonAtomic(paths.stateFile, state);
    }
    // Nothing to follow (cleanup() removes the rest).
    if (!state || state.pid === 0) return null;
    const exited = (await readText(join(paths.exitDir, state.cid))) !== undefined;
    const alive = (await isSameProcess(state.conmonPid, state.conmonStart)) || (await isSameProcess(state.pid, state.pidStart));
    if (!exited && !alive) return null;
    const env = await this.env();
    return new OciHandle(state, { paths, pollMs: this.pollMs, logger: this.logger.child({ jobId }), perlPath: env.perlPath });
  }

  async cleanup(jobId: string, stateDir: string): Promise<void> {
    await this.teardown(jobId, stateDir, true);
  }

  /** Delete the container (killing what is left), unmount, and (when `removeDir`) remove the state dir. Idempotent. */
  private async teardown(jobId: string, stateDir: string, removeDir: boolean): Promise<void> {
    const paths = ociPaths(stateDir);
    await this.saving.get(paths.stateFile);
    const state = parseOciState(await readJson(paths.stateFile).catch(() => undefined), jobId);
    const env = await this.env();
    const runtime = state ? new OciRuntimeCli(state.runtimePath, state.runtimeRoot) : env.runtime;
    const cid = state?.cid ?? containerId(jobId);
    const monitorAlive = () => (state && state.conmonPid > 0 ? isSameProcess(state.conmonPid, state.conmonStart) : Promise.resolve(false));
    // Still running (no exit file): kill it. flynn-monitor then deletes and unmounts, as after any exit.
    if ((await readText(join(paths.exitDir, cid))) === undefined) await runtime.delete(cid);
    // The monitor writes the exit file and leaves once the container is gone (flynn-monitor: cleaned up).
    const watcher = new DirWatcher(paths.exitDir, 50);
    for (let i = 0; i < 100 && (await monitorAlive()); i++) await watcher.next();
    watcher.close();
    // What the monitor did not do (conmon never does; or it died): one spawn each, only when needed.
    if (await pathExists(join(runtime.root, cid))) await runtime.delete(cid);
    // The overlay, its tmpfs, the pid-file tmpfs (deepest first: the overlay before the tmpfs under it).
    await unmountAll(await mountsUnder(stateDir));
    const left = await mountsUnder(stateDir);
    if (left.length > 0) throw new RuntimeError('FLYNN_HOST_RUNTIME_STATE', `still mounted under ${stateDir}: ${left.join(', ')}`);
    if (removeDir) await rm(stateDir, { recursive: true, force: true });
  }

  /** Refuse a job whose command is not in its image (with tini as PID 1 the runtime could not tell). */
  private async checkCommand(spec: ContainerSpec): Promise<void> {
    const cwd = spec.workingDir ?? '/';
    const path = spec.env.PATH ?? DEFAULT_PATH;
    const key = JSON.stringify([spec.lowerDirs, spec.args[0], path, cwd]);
    if (this.found.has(key)) return;
    const found = await findCommandInRoot('/', spec.args[0]!, path, cwd, layeredLookupFs(spec.lowerDirs!));
    if (found === undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_EXEC_NOT_FOUND', `${spec.args[0]}: executable not found in the container`);
    if (this.found.size >= 1024) this.found.clear();
    this.found.add(key);
  }

  /** Writes `oci.json` in the background; {@link saving} holds the write until it is done. */
  private save(file: string, state: OciJobState, log: Logger): void {
    const done = writeJsonAtomic(file, state)
      .catch((err: unknown) => log.error({ err }, 'could not record the started container (a restarted daemon recovers it from the pid files)'))
      .finally(() => {
        if (this.saving.get(file) === done) this.saving.delete(file);
      });
    this.saving.set(file, done);
  }

  private oomLocation(env: DriverEnv, cid: string): OomLocation {
    return { layout: env.layout, ownCgroup: env.ownCgroup, cgroupsPath: `${env.cgroupParent}/${cid}` };
  }

  private env(): Promise<DriverEnv> {
    this.envPromise ??= this.resolveEnv();
    this.envPromise.catch(() => (this.envPromise = undefined));
    return this.envPromise;
  }

  private async resolveEnv(): Promise<DriverEnv> {
    const o = this.options;
    const kind = o.runtime ?? 'runc';
    const need = async (what: string, given: string | undefined, name: string): Promise<string> => {
      const p = given ?? (await findExecutable(name));
      if (p === undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_START', `oci driver needs ${what} (\`${name}\`) on the host`);
      return p;
    };
    let runtimePath = await need('an OCI runtime', o.runtimePath, kind);
    const runtimeRoot = o.runtimeRoot ?? `/run/flynn-ts/${kind}`;
    const layout = await detectCgroupLayout();
    if (kind === 'crun' && layout === 'hybrid') {
      runtimePath = await crunHybridWrapper(runtimeRoot, runtimePath, { sh: await need('sh', undefined, 'sh'), unshare: await need('unshare', undefined, 'unshare') });
    }
    await mkdir(runtimeRoot, { recursive: true, mode: 0o700 });
    let initPath: string | undefined;
    if (o.initPath !== false) {
      initPath = o.initPath ?? (await findExecutable('tini-static')) ?? (await findExecutable('tini'));
      if (initPath === undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_START', 'oci driver needs an init (`tini-static`/`tini`) or initPath: false');
    }
    let cgroupParent = (o.cgroupParent ?? 'flynn').replace(/\/+$/, '');
    // crun resolves relative cgroup paths from the root (runc: from its own cgroup); pin it to ours.
    if (kind === 'crun' && !isAbsolute(cgroupParent)) cgroupParent = posix.join(await ownMemoryCgroup(layout), cgroupParent);
    const perlPath = o.perlPath ?? (await findExecutable('perl'));
    return {
      runtime: new OciRuntimeCli(runtimePath, runtimeRoot),
      monitor: await resolveMonitor(o, runtimeRoot, perlPath, need),
      initPath,
      perlPath,
      layout,
      ownCgroup: await ownMemoryCgroup(layout),
      cgroupParent,
      limitSwap: await swapAccounting(layout),
    };
  }
}

async function swapAccounting(layout: CgroupLayout): Promise<boolean> {
  const file = layout === 'v2' ? `/sys/fs/cgroup${await ownMemoryCgroup(layout)}/memory.swap.max` : '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes';
  return pathExists(file);
}

function validateSpec(spec: ContainerSpec): void {
  const bad = (msg: string) => new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', msg);
  if (spec.args.length === 0 || spec.args[0] === '') throw bad('args must not be empty');
  if (!spec.lowerDirs || spec.lowerDirs.length === 0) throw bad('the oci driver needs a rootfs: lowerDirs is empty');
  if (!isAbsolute(spec.stateDir)) throw bad(`stateDir must be absolute: ${spec.stateDir}`);
  if (!(spec.tempDiskBytes > 0)) throw bad('tempDiskBytes must be > 0');
  for (const m of spec.mounts) if (!isAbsolute(m.target) || !isAbsolute(m.source)) throw bad(`mount paths must be absolute: ${m.source} → ${m.target}`);
  if (spec.network.mode === 'netns' && !isAbsolute(spec.network.netnsPath)) throw bad(`netnsPath must be absolute: ${spec.network.netnsPath}`);
}
