import { readFileSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { oomCounterFile, parseOomKillCount, parseProcCgroup } from './core/proc-stat.js';

/** `v2`: unified only; `v1`: legacy only; `hybrid`: v1 controllers plus a v2 tree at /sys/fs/cgroup/unified. */
export type CgroupLayout = 'v1' | 'v2' | 'hybrid';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** The host's cgroup layout, from the filesystem types of /sys/fs/cgroup and /sys/fs/cgroup/unified. */
export async function detectCgroupLayout(root = '/sys/fs/cgroup'): Promise<CgroupLayout> {
  if ((await fsType(root)) === CGROUP2_SUPER_MAGIC) return 'v2';
  return (await fsType(`${root}/unified`)) === CGROUP2_SUPER_MAGIC ? 'hybrid' : 'v1';
}

async function fsType(path: string): Promise<number | undefined> {
  try {
    return (await statfs(path)).type;
  } catch {
    return undefined;
  }
}

/**
 * The daemon's own cgroup as the memory limit sees it: the memory
 * controller's path on v1/hybrid, the unified path on v2.
 */
export async function ownMemoryCgroup(layout: CgroupLayout): Promise<string> {
  const map = parseProcCgroup(await readFile('/proc/self/cgroup', 'utf8'));
  return (layout === 'v2' ? map.get('') : map.get('memory')) ?? '/';
}

/** Where a running container's OOM-kill counter is (from its init's /proc/<pid>/cgroup). */
export async function oomCounterPath(pid: number, layout: CgroupLayout): Promise<string | undefined> {
  try {
    return oomCounterFile(await readFile(`/proc/${pid}/cgroup`, 'utf8'), layout === 'v2' ? 'v2' : 'v1');
  } catch {
    return undefined;
  }
}

/** The OOM-kill count in `file`; undefined when the cgroup is gone. */
export async function readOomKills(file: string): Promise<number | undefined> {
  try {
    return parseOomKillCount(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** {@link oomCounterPath} read synchronously (procfs: no disk wait; see readProcStatSync). */
export function oomCounterPathSync(pid: number, layout: CgroupLayout): string | undefined {
  try {
    return oomCounterFile(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), layout === 'v2' ? 'v2' : 'v1');
  } catch {
    return undefined;
  }
}
