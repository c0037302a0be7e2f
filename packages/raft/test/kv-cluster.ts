/**
 * Real kv-server processes (examples/kv-server.ts) on 127.0.0.1 for the
 * integration tests: spawn, SIGKILL, restart on the same data directory, and
 * poll their status. Only the children started here are ever signalled, by PID.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const serverScript = fileURLToPath(new URL('../examples/kv-server.ts', import.meta.url));

export interface KvNodeStatus {
  id: string;
  role: string;
  leader: string;
  term: number;
  commit: number;
  applied: number;
  lastIndex: number;
}

export interface KvClusterNode {
  id: string;
  url: string;
  dataDir: string;
  logFile: string;
  child: ChildProcess | undefined;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KvCluster {
  readonly nodes: KvClusterNode[];
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });

  private constructor(
    readonly dir: string,
    nodes: KvClusterNode[],
    private readonly extraArgs: readonly string[],
  ) {
    this.nodes = nodes;
  }

  /** Creates a temp dir and spawns `size` nodes (sync on unless `extraArgs` says otherwise). */
  static async start(size: number, extraArgs: readonly string[] = []): Promise<KvCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'flynn-kv-cluster-'));
    const ports: number[] = [];
    while (ports.length < size) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const nodes = ports.map((port) => ({
      id: `127.0.0.1:${port}`,
      url: `http://127.0.0.1:${port}`,
      dataDir: join(dir, `node-${port}`),
      logFile: join(dir, `node-${port}.log`),
      child: undefined,
    }));
    const cluster = new KvCluster(dir, nodes, extraArgs);
    for (let i = 0; i < size; i++) cluster.spawn(i);
    return cluster;
  }

  /** Starts node `i` (again) with its data directory. */
  spawn(i: number): void {
    const n = this.nodes[i]!;
    if (n.child && n.child.exitCode === null && n.child.signalCode === null) throw new Error(`node ${n.id} is running`);
    const peers = this.nodes.map((p) => p.id).join(',');
    const log = openSync(n.logFile, 'a');
    try {
      n.child = spawn(
        process.execPath,
        ['--conditions=@flynn-ts/source', '--import', 'tsx', serverScript, '--listen', n.id, '--data-dir', n.dataDir, '--peers', peers, ...this.extraArgs],
        { cwd: repoRoot, stdio: ['ignore', log, log] },
      );
    } finally {
      closeSync(log);
    }
  }

  /** SIGKILLs node `i` (only our own child, by PID) and waits for it to exit. */
  async kill9(i: number): Promise<void> {
    const child = this.nodes[i]!.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  }

  async status(i: number): Promise<KvNodeStatus | undefined> {
    try {
      const res = await request(`${this.nodes[i]!.url}/status`, { dispatcher: this.agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      return (await res.body.json()) as KvNodeStatus;
    } catch {
      return undefined;
    }
  }

  /** Polls until every running node agrees on one leader; returns its index. */
  async waitForLeader(timeoutMs: number, among: readonly number[] = this.nodes.map((_, i) => i)): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const st = await Promise.all(among.map((i) => this.status(i)));
      const leader = st[0]?.leader;
      if (leader && st.every((s) => s?.leader === leader)) {
        const idx = this.nodes.findIndex((n) => n.id === leader);
        if (idx >= 0 && among.includes(idx)) return idx;
      }
      await sleep(100);
    }
    throw new Error(`no agreed leader within ${timeoutMs} ms`);
  }

  /** Polls until every node is up and has applied the same index as the leader has committed. */
  async waitCaughtUp(timeoutMs: number): Promise<KvNodeStatus[]> {
    const deadline = Date.now() + timeoutMs;
    let last: Array<KvNodeStatus | undefined> = [];
    while (Date.now() < deadline) {
      last = await Promise.all(this.nodes.map((_, i) => this.status(i)));
      const all = last.filter((s): s is KvNodeStatus => s !== undefined);
      const leader = all.find((s) => s.role === 'leader');
      if (all.length === this.nodes.length && leader && all.every((s) => s.applied === leader.commit && s.leader === leader.id)) return all;
      await sleep(100);
    }
    throw new Error(`nodes did not catch up within ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  /** The last `lines` lines of each node's log, for failure reports. */
  logTails(lines = 20): string {
    return this.nodes
      .map((n) => {
        let text = '';
        try {
          text = readFileSync(n.logFile, 'utf8');
        } catch {
          text = '(no log)';
        }
        return `--- ${n.id} ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
      })
      .join('\n');
  }

  /** SIGTERM every running child, SIGKILL what is left after `graceMs`, remove the temp dir. */
  async destroy(graceMs = 3_000): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const child = n.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
    await this.agent.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
