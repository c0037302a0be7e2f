/**
 * Processes, commands and teardown for the netns cluster (netns-cluster.ts):
 * every child is started with `nsenter --net=/run/netns/<ns>` (only its
 * network namespace differs: mounts, cgroups and runc state are the
 * machine's, as flynn-host's oci driver needs — `ip netns exec` would remount
 * /sys and hide /sys/fs/cgroup), tracked by PID and killed by PID.
 */
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteNetns, ipIn, isAlive, runCommand, safeKill, spawnTracked } from '@flynn-ts/core/testing';
import type { TrackedProcess } from '@flynn-ts/core/testing';

const RUNC_ROOT = '/run/flynn-ts/runc'; // flynn-host's default (the oci driver's runtime root)

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** `node` flags that run this checkout's TypeScript sources. */
export const TSX = ['--conditions=@flynn-ts/source', '--import', 'tsx'];

/** `run(cmd, args)`, `ipIn(ns, ...args)` and `deleteNetns(ns)` (from @flynn-ts/core/testing), as the netns tests import them. */
export { deleteNetns, ipIn, runCommand as run };

/** Runs `argv` inside namespace `ns` (nsenter --net) and resolves with its stdout. */
export function runIn(ns: string, argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  return runCommand('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], options);
}

/** A daemon started by `spawnIn` (see `TrackedProcess` in @flynn-ts/core/testing). */
export type Proc = TrackedProcess;

/** Starts `argv` inside `ns` (cwd: the repo root), with stdout/stderr kept as lines (the last 2000). */
export function spawnIn(ns: string, name: string, argv: readonly string[], env: Record<string, string> = {}): Proc {
  // nsenter without --fork execs the program: the PID is the daemon's own.
  return spawnTracked(argv, { name, cwd: REPO_ROOT, env, netns: { name: ns, via: 'nsenter' }, maxLines: 2000 });
}

/** An HTTP request from inside `ns` with curl: status (0 when none) and body. */
export async function curlIn(ns: string, url: string, options: { host?: string; timeoutS?: number } = {}): Promise<{ status: number; body: string }> {
  const args = ['curl', '-sS', '--max-time', String(options.timeoutS ?? 5), '-o', '-', '-w', '\n%{http_code}'];
  if (options.host) args.push('-H', `Host: ${options.host}`);
  try {
    const out = await runIn(ns, [...args, url], { timeoutMs: (options.timeoutS ?? 5) * 1000 + 5_000 });
    const nl = out.lastIndexOf('\n');
    return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}

/** Kills and deletes the runc containers of these hosts' jobs (left over when a host died) and their namespaces. */
export async function removeContainers(hostIds: readonly string[]): Promise<void> {
  if (hostIds.length === 0) return;
  const list = await runCommand('runc', ['--root', RUNC_ROOT, 'list', '-q']).catch(() => '');
  for (const id of list.split('\n').map((s) => s.trim()).filter(Boolean)) {
    if (!hostIds.some((h) => id.startsWith(`flynn-${h}-`))) continue; // containerId(<host id>-<uuid>)
    await runCommand('runc', ['--root', RUNC_ROOT, 'kill', id, 'KILL']).catch(() => {});
    await runCommand('runc', ['--root', RUNC_ROOT, 'delete', '--force', id]).catch(() => {});
  }
  const netns = await runCommand('ip', ['netns', 'list']).catch(() => '');
  for (const line of netns.split('\n')) {
    const name = line.trim().split(/\s+/)[0] ?? '';
    if (name && hostIds.some((h) => name.startsWith(`flynn-${h}-`))) await deleteNetns(name); // netnsName(<host id>-<uuid>)
  }
}

/** Removes the (empty once the jobs are gone) cgroup trees named `parent` (or matching it), deepest first. */
export async function removeCgroups(parent: string | ((name: string) => boolean)): Promise<void> {
  const match = typeof parent === 'string' ? (name: string) => name === parent : parent;
  const roots: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (match(e.name)) roots.push(p);
      else if (depth < 4) await walk(p, depth + 1);
    }
  };
  await walk('/sys/fs/cgroup', 0);
  for (const root of roots) await rmdirTree(root);
}

async function rmdirTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  await runCommand('rmdir', [dir]).catch(() => {});
}

/** Mount points under `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await runCommand('cat', ['/proc/self/mountinfo']).catch(() => '');
  const points = text.split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p === dir || p.startsWith(`${dir}/`));
  return points.sort((a, b) => b.length - a.length);
}

/**
 * Removes what a netns-cluster test process that is gone (SIGKILLed) left
 * behind, by the pid in the names: its namespaces (killing the daemons in
 * them), its jobs' containers and namespaces, cgroups, root veth, temp dir
 * (unmounting what is mounted there) and PostgreSQL.
 */
export async function sweepStale(): Promise<void> {
  const dead = (pid: string | undefined) => !isAlive(Number(pid));
  const ps = await runCommand('ps', ['-eo', 'pid=,args=']).catch(() => '');
  for (const m of ps.matchAll(/^\s*(\d+) \S*postgres -D (\S+)\/data .*-c netns_cluster\.owner=(\d+)/gm)) {
    if (!dead(m[3])) continue;
    safeKill(Number(m[1]), 'SIGQUIT'); // immediate shutdown
    for (let i = 0; i < 50 && isAlive(Number(m[1])); i++) await new Promise((r) => setTimeout(r, 100));
    await rm(m[2]!, { recursive: true, force: true }).catch(() => {});
  }
  const netns = await runCommand('ip', ['netns', 'list']).catch(() => '');
  for (const m of netns.matchAll(/^(nc(\d+)[a-z]-\S+)/gm)) if (dead(m[2])) await deleteNetns(m[1]!);
  const containers = await runCommand('runc', ['--root', RUNC_ROOT, 'list', '-q']).catch(() => '');
  const staleHosts = new Set<string>();
  for (const m of `${containers}\n${netns}`.matchAll(/^flynn-(nc(\d+)[a-z]h\d+)-/gm)) if (dead(m[2])) staleHosts.add(m[1]!);
  await removeContainers([...staleHosts]);
  await removeCgroups((name) => {
    const m = /^flynn-nc(\d+)[a-z]$/.exec(name);
    return m !== null && dead(m[1]);
  });
  const links = await runCommand('ip', ['-o', 'link', 'show']).catch(() => '');
  for (const m of links.matchAll(/^\d+: (nc(\d+)[a-z]r)@/gm)) if (dead(m[2])) await runCommand('ip', ['link', 'del', m[1]!]).catch(() => {});
  for (const name of await readdir(tmpdir()).catch(() => [])) {
    const m = /^flynn-netns-cluster-nc(\d+)[a-z]-/.exec(name);
    if (!m || !dead(m[1])) continue;
    const dir = join(tmpdir(), name);
    for (const point of await mountsUnder(dir)) await runCommand('umount', ['-l', point]).catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
