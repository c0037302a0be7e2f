import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Files of one oci job, all under its stateDir (which survives daemon restarts). */
export interface OciPaths {
  stateFile: string;
  bundle: string;
  rootfs: string;
  /** tmpfs of `tempDiskBytes` holding the overlay's upper and work dirs. */
  scratch: string;
  exitDir: string;
  log: string;
  pidFile: string;
  conmonPidFile: string;
  /** A small tmpfs flynn-monitor mounts for the runtime's pid file (runc writes it with O_SYNC). */
  run: string;
}

export function ociPaths(stateDir: string): OciPaths {
  return {
    stateFile: join(stateDir, 'oci.json'),
    bundle: join(stateDir, 'bundle'),
    rootfs: join(stateDir, 'bundle', 'rootfs'),
    scratch: join(stateDir, 'scratch'),
    exitDir: join(stateDir, 'exits'),
    log: join(stateDir, 'output.log'),
    pidFile: join(stateDir, 'container.pid'),
    conmonPidFile: join(stateDir, 'conmon.pid'),
    run: join(stateDir, 'run'),
  };
}

/** What the oci driver persists in `<stateDir>/oci.json`. */
export interface OciJobState {
  v: 1;
  driver: 'oci';
  jobId: string;
  /** The runtime's container id. */
  cid: string;
  runtimePath: string;
  runtimeRoot: string;
  /** Host pid of the container's init; 0 while starting. */
  pid: number;
  pidStart: number;
  conmonPid: number;
  conmonStart: number;
  /** cgroup file with the `oom_kill` counter (memory.oom_control on v1, memory.events on v2). */
  oomFile?: string;
  tty: boolean;
  stdin: boolean;
}

export function parseOciState(value: unknown, jobId: string): OciJobState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<OciJobState>;
  if (s.v !== 1 || s.driver !== 'oci' || s.jobId !== jobId || typeof s.cid !== 'string' || typeof s.runtimePath !== 'string' || typeof s.runtimeRoot !== 'string') return undefined;
  const state: OciJobState = {
    v: 1,
    driver: 'oci',
    jobId,
    cid: s.cid,
    runtimePath: s.runtimePath,
    runtimeRoot: s.runtimeRoot,
    pid: num(s.pid),
    pidStart: num(s.pidStart),
    conmonPid: num(s.conmonPid),
    conmonStart: num(s.conmonStart),
    tty: s.tty === true,
    stdin: s.stdin === true,
  };
  if (typeof s.oomFile === 'string') state.oomFile = s.oomFile;
  return state;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

/** Mount points at or under `dir` (from /proc/self/mountinfo), deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.replace(/\/+$/, '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === prefix || mp.startsWith(prefix + '/')) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}
