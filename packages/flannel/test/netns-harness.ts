/**
 * Network namespaces, links and processes for system tests, all tracked so
 * `cleanup()` removes every one of them even when a test fails. Nothing is
 * created outside the namespaces made here: the underlay is a bridge in a
 * namespace of its own, and each "host" is a namespace attached to it by a
 * veth pair.
 *
 * Names start with `flt<pid>-`, so leftovers of a crashed run are recognised
 * (and removed by `sweepStale()`) without touching anybody else's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteNetns, ipIn, isAlive, runCommand, spawnTracked } from '@flynn-ts/core/testing';
import type { TrackedProcess } from '@flynn-ts/core/testing';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** `node` flags that run TypeScript sources of this repo. */
export const TSX = ['--conditions=@flynn-ts/source', '--import', 'tsx'];

/** `run(cmd, args)` and `ipIn(ns, ...args)` (from @flynn-ts/core/testing), as the overlay tests and bench import them. */
export { ipIn, runCommand as run };

/** Parses `ip -j` output (empty output is an empty list). */
export async function ipJson<T = Record<string, unknown>>(ns: string, ...args: string[]): Promise<T[]> {
  const out = await runCommand('ip', ['-j', '-n', ns, ...args]);
  return out.trim() ? (JSON.parse(out) as T[]) : [];
}

/** `bridge -j fdb show dev <dev>` inside a namespace. */
export async function fdbJson(ns: string, dev: string): Promise<Array<{ mac: string; dst?: string }>> {
  const out = await runCommand('ip', ['netns', 'exec', ns, 'bridge', '-j', 'fdb', 'show', 'dev', dev]);
  return out.trim() ? (JSON.parse(out) as Array<{ mac: string; dst?: string }>) : [];
}

/** A process started by `Topology.spawnIn` (see `TrackedProcess` in @flynn-ts/core/testing). */
export type Proc = TrackedProcess;

export class Topology {
  readonly prefix = `flt${process.pid}-`;
  readonly namespaces: string[] = [];
  readonly procs: Proc[] = [];
  tmp = '';

  async init(): Promise<void> {
    await sweepStale();
    this.tmp = await mkdtemp(join(tmpdir(), 'flannel-system-'));
  }

  /** Creates namespace `<prefix><name>` with loopback up; returns its name. */
  async netns(name: string): Promise<string> {
    const ns = this.prefix + name;
    await runCommand('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await ipIn(ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Runs `node <args>` inside `ns` (cwd: the repo root), tracked for cleanup. */
  spawnNode(ns: string, name: string, args: readonly string[], env: Record<string, string> = {}): Proc {
    return this.spawnIn(ns, name, [process.execPath, ...args], env);
  }

  /** Runs `argv` inside `ns` (cwd: the repo root), tracked for cleanup. */
  spawnIn(ns: string, name: string, argv: readonly string[], env: Record<string, string> = {}): Proc {
    const proc = spawnTracked(argv, { name, cwd: REPO_ROOT, env, netns: { name: ns, via: 'ip' } });
    this.procs.push(proc);
    return proc;
  }

  /** Kills every process, deletes every namespace and the temp dir. Never throws. */
  async cleanup(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGKILL', 0).catch(() => {})));
    for (const ns of this.namespaces.reverse()) await deleteNetns(ns);
    this.namespaces.length = 0;
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true }).catch(() => {});
  }

  /** The last lines of every process, for a failure message. */
  tails(n = 15): string {
    return this.procs.map((p) => `--- ${p.name} (pid ${p.pid}${p.alive ? '' : ', exited'})\n${p.lines.slice(-n).join('\n')}`).join('\n');
  }
}

/** Deletes `flt<pid>-*` namespaces whose creating process is gone. */
export async function sweepStale(): Promise<void> {
  const list = await runCommand('ip', ['netns', 'list']).catch(() => '');
  for (const line of list.split('\n')) {
    const m = /^(flt(\d+)-\S+)/.exec(line.trim());
    if (m && !isAlive(Number(m[2]))) await deleteNetns(m[1]!);
  }
}
