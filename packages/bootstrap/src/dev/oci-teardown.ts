/**
 * After flynn-host (oci driver) has stopped with its jobs: what it leaves
 * on purpose for a restart that re-attaches (image layers kept mounted for
 * the next job, the bridge, its nftables table) is removed, since `npm
 * start` stops the whole cluster: every mount under the data directory is
 * unmounted (deepest first) and the host's network torn down (jobs'
 * namespaces and veths, the bridge, the nftables table). The next start
 * makes them again.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BridgeNetworkManager } from '@flynn-ts/host';

/** Mount points at or under `dir` (from /proc/self/mountinfo, octal escapes decoded), deepest first. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const path = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path === base || path.startsWith(`${base}/`)) out.push(path);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

export interface OciTeardownOptions {
  dataDir: string;
  /** flynn-host's `--state` (its network state is `<state>/network`). */
  hostStateDir: string;
  bridgeName: string;
  say?: (line: string) => void;
}

/** Best effort; returns what could not be undone. */
export async function teardownOciHost(o: OciTeardownOptions): Promise<string[]> {
  const problems: string[] = [];
  try {
    await new BridgeNetworkManager({ stateDir: `${o.hostStateDir}/network`, bridgeName: o.bridgeName }).teardown();
  } catch (err) {
    problems.push(`the network (bridge ${o.bridgeName}): ${(err as Error).message}`);
  }
  const mounts = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), o.dataDir);
  if (mounts.length > 0) o.say?.(`unmounting ${mounts.length} image mount${mounts.length === 1 ? '' : 's'}…`);
  for (const target of mounts) {
    if (await umount([target])) continue;
    if (!(await umount(['-l', target]))) problems.push(`could not unmount ${target}`);
  }
  return problems;
}

function umount(args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile('umount', args, (err) => resolve(!err)));
}
