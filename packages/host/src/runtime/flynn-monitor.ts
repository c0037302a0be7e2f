import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TOOL_PATH } from './proc.js';
import { awaitSyncReport } from './sync-report.js';
import type { SyncReport } from './sync-report.js';
import type { MonitorPool } from './monitor-pool.js';

const execFileP = promisify(execFile);

export interface MonitorLaunch {
  monitorPath: string;
  /** The OCI runtime (runc, crun or a wrapper of it) and its global args (`--root …`). */
  runtimePath: string;
  runtimeArgs: readonly string[];
  cid: string;
  bundle: string;
  /** Where the runtime writes the container's init pid. */
  pidFile: string;
  monitorPidFile: string;
  /** Written (temp file + rename, after the output is drained and synced) with the exit status, 128+N for signal N. */
  exitFile: string;
  /** k8s-file log of stdout/stderr (the format conmon writes). */
  logPath: string;
  stdin: boolean;
  tty: boolean;
  /** Where the monitor writes the init's pid after its report (a copy that outlives the runtime's pid file). */
  initPidFile?: string;
  /** The job cgroup's OOM counter file: its `oom_kill` count goes to `<exitFile>.oom` before the exit file. */
  oomFile?: string;
  /** After the exit file: the runtime's `delete --force` and the unmounts (the daemon then spawns nothing at cleanup). */
  cleanup?: boolean;
  /** A dir the monitor mounts a small tmpfs on before it runs the runtime (for the pid file). */
  runDir?: string;
  /** The rootfs the monitor mounts before it runs the runtime (tmpfs upper at `scratch`, overlay at `rootfs`). */
  rootfs?: {
    scratch: string;
    rootfs: string;
    tmpfsOptions: string;
    overlayOptions: string;
  };
  /** Give up waiting for the monitor's report after this long (ms). Default 60000. */
  timeoutMs?: number;
}

/** flynn-monitor's argv for {@link MonitorLaunch} (see native/flynn-monitor.c). Pure. */
export function monitorArgs(l: MonitorLaunch): string[] {
  const args = ['--runtime', l.runtimePath];
  for (const a of l.runtimeArgs) args.push('--runtime-arg', a);
  args.push('--cid', l.cid, '--bundle', l.bundle, '--pid-file', l.pidFile, '--monitor-pid-file', l.monitorPidFile);
  args.push('--exit-file', l.exitFile, '--log', l.logPath);
  if (l.rootfs) {
    args.push('--scratch', l.rootfs.scratch, '--rootfs', l.rootfs.rootfs, '--tmpfs-opts', l.rootfs.tmpfsOptions, '--overlay-opts', l.rootfs.overlayOptions);
  }
  if (l.runDir !== undefined) args.push('--run-dir', l.runDir);
  if (l.oomFile !== undefined) args.push('--oom-file', l.oomFile);
  if (l.initPidFile !== undefined) args.push('--init-pid-file', l.initPidFile);
  if (l.cleanup) args.push('--cleanup');
  if (l.stdin) args.push('--stdin');
  if (l.tty) args.push('--tty');
  return args;
}

/**
 * Starts flynn-monitor (one process: it mounts the rootfs, leaves our session,
 * runs `<runtime> run -d` and then supervises the container) and resolves once
 * the container runs, with its init pid and the monitor's pid. With a `pool`,
 * a spare monitor gets the arguments (no spawn on this path), and new spares
 * are spawned once no start is in flight.
 */
export async function startMonitor(l: MonitorLaunch, pool?: MonitorPool): Promise<SyncReport> {
  let child = pool?.take();
  if (child) {
    child.stdin!.end(
      monitorArgs(l)
        .map((a) => `${a}\0`)
        .join('')
    );
  } else {
    // detached: its own session. It stays our child (no daemonising fork, which would cost a wait for
    // a CPU on every start): Node reaps it when it exits; if we die first, it is re-parented and lives on.
    child = spawn(l.monitorPath, monitorArgs(l), {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { PATH: TOOL_PATH },
    });
    child.unref();
  }
  try {
    return await awaitSyncReport(child, 'flynn-monitor', l.timeoutMs ?? 60_000);
  } catch (err) {
    // A monitor that did not report (timeout) is ours to stop; one that reported a failure exits by itself.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  } finally {
    // New spares once no start waits for its monitor (a spawn forks the whole daemon).
    pool?.finished();
  }
}

/** The arguments and files this code expects of flynn-monitor (its `PROTOCOL`, printed by `--version`). */
export const MONITOR_PROTOCOL = 3;

/** The protocol of the flynn-monitor at `path` (`--version`), undefined when it does not say. */
export async function monitorProtocol(path: string): Promise<number | undefined> {
  try {
    const { stdout } = await execFileP(path, ['--version'], { timeout: 10_000 });
    const m = /^flynn-monitor protocol (\d+)$/m.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the build puts flynn-monitor (`<package>/build/Release/flynn-monitor`),
 * from the source tree (src/runtime) or the bundle (dist); undefined when it was
 * not built (no C compiler at install: the driver then uses conmon).
 */
export async function findFlynnMonitor(): Promise<string | undefined> {
  for (const rel of ['../../build/Release/flynn-monitor', '../build/Release/flynn-monitor']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
