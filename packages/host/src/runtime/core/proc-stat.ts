/**
 * Parsers for the few /proc and cgroup files the drivers read.
 */

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, X… */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: start time in clock ticks since boot; with the pid it names one process for good. */
  startTime: number;
}

/** Parses `/proc/<pid>/stat`. The comm may hold spaces and parentheses, so split at the last `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isFinite(startTime) || rest.length < 20) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, startTime };
}

/** `/proc/<pid>/cgroup` → controller → path (`''` is the cgroup v2 unified hierarchy). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const path = line.slice(second + 1);
    for (const c of line.slice(first + 1, second).split(',')) out.set(c, path);
  }
  return out;
}

/**
 * Where to read a container's OOM-kill counter, given its `/proc/<pid>/cgroup`
 * and the host's layout: cgroup v1 (and hybrid: memory is a v1 controller)
 * `memory.oom_control`, cgroup v2 `memory.events`.
 */
export function oomCounterFile(procCgroup: string, layout: 'v1' | 'v2', root = '/sys/fs/cgroup'): string | undefined {
  const map = parseProcCgroup(procCgroup);
  if (layout === 'v1') {
    const p = map.get('memory');
    return p === undefined ? undefined : `${root}/memory${p === '/' ? '' : p}/memory.oom_control`;
  }
  const p = map.get('');
  return p === undefined ? undefined : `${root}${p === '/' ? '' : p}/memory.events`;
}

/**
 * The `oom_kill` counter of `memory.oom_control` (v1, kernel ≥ 4.13) or
 * `memory.events` (v2): both are `key value` lines. 0 when absent.
 */
export function parseOomKillCount(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Where the runtime puts a container's cgroup, when its init is already gone
 * and /proc/<pid>/cgroup cannot tell: an absolute `cgroupsPath` is from the
 * hierarchy's root; runc puts a relative one under its own cgroup (on v1, the
 * memory controller's path) or, on v2, under the *parent* of its own cgroup
 * (which has no processes, so controllers can be enabled). `own` is the
 * daemon's cgroup, which conmon and the runtime inherit.
 */
export function expectedOomCounterFile(layout: 'v1' | 'v2', own: string, cgroupsPath: string, root = '/sys/fs/cgroup'): string {
  const join = (...parts: string[]) => '/' + parts.flatMap((p) => p.split('/')).filter((p) => p !== '').join('/');
  let dir: string;
  if (cgroupsPath.startsWith('/')) dir = join(cgroupsPath);
  else if (layout === 'v1') dir = join(own, cgroupsPath);
  else dir = join(own.replace(/\/[^/]*\/?$/, ''), cgroupsPath);
  return layout === 'v1' ? `${root}/memory${dir}/memory.oom_control` : `${root}${dir}/memory.events`;
}

/**
 * Whether a container's init, whose `/proc/<pid>/status` is `text`, can take signal `n` now. The
 * init is PID 1 of its namespace, and the kernel drops a signal to PID 1 that it neither catches nor
 * blocks: right after the start (tini not yet set up) a SIGTERM would be lost. Ready: it blocks or
 * catches `n` (`SigBlk`/`SigCgt`), or it sleeps — tini waits for signals in sigtimedwait, which
 * shows them unblocked meanwhile, and it blocks them before it starts the job, so once it sleeps it
 * is set up (a job run as PID 1 without a handler never gets the signal anyway).
 */
export function initTakesSignal(text: string, n: number): boolean {
  if (!Number.isInteger(n) || n < 1 || n > 64) return false;
  if (/^State:\s*S/m.test(text)) return true;
  for (const field of ['SigBlk', 'SigCgt']) {
    const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(text)?.[1];
    if (hex !== undefined && ((BigInt(`0x${hex}`) >> BigInt(n - 1)) & 1n) === 1n) return true;
  }
  return false;
}
