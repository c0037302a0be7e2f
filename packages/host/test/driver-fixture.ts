/**
 * The set-up and teardown shared by the OciDriver root tests
 * (runtime-oci, runtime-monitor, runtime-crun): a temp dir with a busybox
 * lower layer and a runtime root, job specs whose state dirs are remembered,
 * and a teardown that removes what the jobs made (containers, mounts,
 * cgroups, the temp dir) and kills the stand-in daemons by PID.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../src/contracts.js';
import type { OciDriver } from '../src/runtime/oci-driver.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { buildBusyboxRootfs, listContainers, removeCgroupDirs, testSpec } from './runtime-fixtures.js';

/** A job the test started: its id and state dir (for the driver's cleanup). */
export interface FixtureJob {
  jobId: string;
  stateDir: string;
}

/** Whether `pid` is a running process (not a zombie). */
export function procAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A temp dir `<tmp>/<prefix>XXXXXX` with a busybox lower layer and the runtime root `<runtimeDir>` in it. */
export function makeDriverDirs(prefix: string, runtimeDir: string): { dir: string; lower: string; runtimeRoot: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, lower: buildBusyboxRootfs(join(dir, 'lower')), runtimeRoot: join(dir, runtimeDir) };
}

/** A `spec(jobId, args, over)` for jobs under `<dir>/jobs/<jobId>` on `lower`, remembering each in `jobs`. */
export function specMaker(jobs: FixtureJob[], where: () => { dir: string; lower: string }): (jobId: string, args: string[], over?: Partial<ContainerSpec>) => ContainerSpec {
  return (jobId, args, over = {}) => {
    const { dir, lower } = where();
    const stateDir = join(dir, 'jobs', jobId);
    jobs.push({ jobId, stateDir });
    return testSpec({ jobId, args, stateDir, lowerDirs: [lower], ...over });
  };
}

export interface DriverTeardown {
  driver: OciDriver;
  jobs: readonly FixtureJob[];
  dir: string;
  runtimeRoot: string;
  cgroupParent: string;
  /** The runtime CLI that lists and deletes what is left under `runtimeRoot` (default `runc`). */
  cli?: string;
  /** Stand-in daemons to SIGKILL first. */
  children?: readonly number[];
  /** Runs after the cgroups are removed, before the temp dir is. */
  beforeRemove?: () => void;
}

/** Kills the children, closes the driver, cleans up every job and removes what is left. */
export async function teardownDriver(t: DriverTeardown): Promise<void> {
  for (const pid of t.children ?? []) if (procAlive(pid)) process.kill(pid, 'SIGKILL');
  await t.driver.close();
  for (const j of t.jobs) await t.driver.cleanup(j.jobId, j.stateDir).catch((e: unknown) => console.warn('cleanup', j.jobId, e));
  const cli = t.cli ?? 'runc';
  for (const cid of listContainers(cli, t.runtimeRoot)) spawnSync(cli, ['--root', t.runtimeRoot, 'delete', '-f', cid]);
  for (const mp of await mountsUnder(t.dir)) spawnSync('umount', ['-l', mp]);
  removeCgroupDirs(t.cgroupParent);
  t.beforeRemove?.();
  if (t.dir && existsSync(t.dir)) rmSync(t.dir, { recursive: true, force: true });
}
