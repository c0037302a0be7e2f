import { readFileSync } from 'node:fs';
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { parseProcStat } from './core/proc-stat.js';
import type { ProcStat } from './core/proc-stat.js';

/** `/proc/<pid>/stat`, or undefined when there is no such process. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` still names the process that had `startTime` (guards
 * against PID reuse) and it is not a zombie. `startTime` 0 = unknown: only the
 * pid is checked.
 */
export async function isSameProcess(pid: number, startTime: number): Promise<boolean> {
  const st = await readProcStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === 0 || st.startTime === startTime;
}

/** Start time (clock ticks since boot) of `pid`, 0 when it is gone. */
export async function processStartTime(pid: number): Promise<number> {
  return (await readProcStat(pid))?.startTime ?? 0;
}

/** `kill(pid, signal)` that reports whether the process existed. */
export function trySignal(pid: number, signal: number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Where the drivers look for their tools (runc, conmon, tini, setsid…) unless given paths. */
export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The absolute path of executable `name` on `searchPath`, or undefined. */
export async function findExecutable(name: string, searchPath: string = TOOL_PATH): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? name : undefined;
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (await isExecutable(p)) return p;
  }
  return undefined;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `/proc/<pid>/stat` read synchronously: procfs is generated in memory and never waits on a disk, so
 * this costs microseconds, less than a round trip through libuv's thread pool (which on a loaded host
 * can take milliseconds). For the start path only.
 */
export function readProcStatSync(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
