/**
 * A discoverd cluster of real daemon processes on loopback (127.0.0.1–3, one
 * port), for the Jepsen test and the benchmarks: start, kill -9 and restart
 * on the same data dir, SIGSTOP/SIGCONT, and a few cluster-level queries.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { call } from './http.js';

export type NodeState = 'running' | 'paused' | 'dead';

export interface ClusterOptions {
  /** Repository root: the daemon runs with it as cwd (so `--import tsx` resolves). */
  repoRoot: string;
  /** The daemon entry, relative to repoRoot. */
  script: string;
  /** Data dirs and logs go here. */
  baseDir: string;
  hosts?: readonly string[];
  /** Default: one free on every host. */
  port?: number;
  /** Extra daemon flags (e.g. `['--ttl', '10000']`). */
  extraArgs?: readonly string[];
  /** Pins every daemon to these CPUs with `taskset -c` (benchmarks). */
  cpus?: string;
}

export class DaemonNode {
  state: NodeState = 'dead';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  starts = 0;
  /** Exits nobody asked for (crashes), as `code/signal` strings. */
  readonly crashes: string[] = [];

  constructor(
    readonly host: string,
    readonly addr: string,
    private readonly cluster: DaemonCluster,
  ) {}

  get dataDir(): string {
    return join(this.cluster.options.baseDir, `data-${this.host}`);
  }
  get logFile(): string {
    return join(this.cluster.options.baseDir, `daemon-${this.host}.log`);
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.state !== 'dead') throw new Error(`${this.addr}: start while ${this.state}`);
    await mkdir(this.dataDir, { recursive: true });
    const o = this.cluster.options;
    const args = [
      '--conditions=@flynn-ts/source',
      '--import',
      'tsx',
      o.script,
      '--data-dir',
      this.dataDir,
      '--host',
      this.host,
      '--addr',
      this.addr,
      '--peers',
      this.cluster.peers.join(','),
      ...(o.extraArgs ?? []),
    ];
    const log = openSync(this.logFile, 'a');
    const [cmd, argv] = o.cpus ? ['taskset', ['-c', o.cpus, process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(cmd, argv, { cwd: o.repoRoot, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.state = 'running';
    this.expectingExit = false;
    this.starts++;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.expectingExit) this.crashes.push(`${code ?? ''}/${signal ?? ''}`);
        if (this.child === child) this.state = 'dead';
        resolve();
      }),
    );
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.child || this.state === 'dead') return;
    this.expectingExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
    this.state = 'dead';
  }

  /** Synchronous SIGKILL (for exit hooks). */
  killNow(): void {
    if (this.child && this.state !== 'dead') {
      this.expectingExit = true;
      this.child.kill('SIGKILL');
    }
  }

  pause(): void {
    if (this.state !== 'running' || !this.child) return;
    this.child.kill('SIGSTOP');
    this.state = 'paused';
  }

  resume(): void {
    if (this.state !== 'paused' || !this.child) return;
    this.child.kill('SIGCONT');
    this.state = 'running';
  }

  /** SIGCONT + SIGTERM, then SIGKILL after `graceMs`. */
  async terminate(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || this.state === 'dead') return;
    this.expectingExit = true;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.state = 'dead';
  }

  /** The last `lines` lines of this node's log. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines - 1).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export class DaemonCluster {
  readonly nodes: DaemonNode[];
  readonly peers: string[];

  private constructor(
    readonly options: ClusterOptions,
    readonly port: number,
  ) {
    const hosts = options.hosts ?? ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    this.peers = hosts.map((h) => `${h}:${port}`);
    this.nodes = hosts.map((h, i) => new DaemonNode(h, this.peers[i]!, this));
  }

  static async create(options: ClusterOptions): Promise<DaemonCluster> {
    const hosts = options.hosts ?? ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const cluster = new DaemonCluster(options, options.port ?? (await freePortOnAll(hosts)));
    // Last resort if the test process ends without stopAll(): no daemon outlives it.
    process.once('exit', () => {
      for (const n of cluster.nodes) n.killNow();
    });
    return cluster;
  }

  node(addr: string): DaemonNode | undefined {
    return this.nodes.find((n) => n.addr === addr);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.terminate()));
  }

  /** `GET /ping` answers 200. */
  async isUp(dispatcher: Dispatcher, node: DaemonNode): Promise<boolean> {
    const r = await call(dispatcher, { method: 'GET', node: node.addr, path: '/ping', timeoutMs: 1_000, maxRedirects: 0 });
    return r.kind === 'response' && r.status === 200;
  }

  /** Waits until every node answers `/ping`; fails at once when one of them exits by itself. */
  async waitAllUp(dispatcher: Dispatcher, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const crashed = this.nodes.find((n) => n.state === 'dead' && n.crashes.length > 0);
      if (crashed) throw new Error(`${crashed.addr} exited (${crashed.crashes.join(', ')}):\n${crashed.logTail(20)}`);
      if ((await Promise.all(this.nodes.map((n) => this.isUp(dispatcher, n)))).every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`daemons not all answering /ping within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * The raft leader as the running nodes report it (`GET /raft/leader`), if
   * every node that answers names the same one and it is a node of ours.
   */
  async leader(dispatcher: Dispatcher, timeoutMs = 1_000): Promise<DaemonNode | undefined> {
    const live = this.nodes.filter((n) => n.state === 'running');
    const answers = await Promise.all(
      live.map(async (n) => {
        const r = await call(dispatcher, { method: 'GET', node: n.addr, path: '/raft/leader', timeoutMs, maxRedirects: 0 });
        return r.kind === 'response' && r.status === 200 ? (r.body as { host?: string } | undefined)?.host : undefined;
      }),
    );
    const named = answers.filter((a): a is string => typeof a === 'string');
    if (named.length === 0 || named.some((a) => a !== named[0])) return undefined;
    return this.node(named[0]!);
  }
}

/** A TCP port free on every one of `hosts` (checked by binding it on each). */
export async function freePortOnAll(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(hosts[0]!, 0);
    if (port === undefined) continue;
    let ok = true;
    for (const h of hosts.slice(1)) if ((await listenOnce(h, port)) === undefined) ok = false;
    if (ok) return port;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}

function listenOnce(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, host, () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}
