/**
 * The cluster primary: forks N workers (node:cluster; they share the
 * listening sockets), sends each the worker config and then every control
 * plane change, answers drain queries by asking all workers, and replaces a
 * worker that dies. The control plane (route source, discovery watches,
 * events, API) runs only here.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { ControlPlane, PlaneLink } from '../control/control-plane.js';
import { IPC_TAG, isRouterMessage } from './ipc-protocol.js';
import type { FromWorker, ToWorker, WorkerConfig } from './ipc-protocol.js';

export interface ClusterOptions {
  workers: number;
  config: WorkerConfig;
  control: ControlPlane;
  logger?: Logger;
  /** `rr` (the primary accepts and hands connections round-robin) or `none` (workers accept on a shared socket). Default: node's default (rr on Linux). */
  scheduling?: 'rr' | 'none';
  /** Extra environment for workers. */
  env?: Record<string, string>;
  /**
   * Node/V8 flags added to each worker's (after the primary's own
   * `execArgv`). Default {@link DEFAULT_WORKER_EXEC_ARGV}.
   */
  workerExecArgv?: readonly string[];
}

/**
 * V8 settings for data-plane workers (measured on the router benchmark, one
 * pinned core shared with the backend):
 * - `--single-threaded-gc`: a worker runs one event loop per core next to
 *   other busy processes, and V8's parallel GC helpers would compete with
 *   them for that core (scavenges took 1.5–2.8 ms instead of 0.8–0.9 ms).
 * - `--no-memory-reducer` and `--min-semi-space-size=16`: after ~8 s without
 *   traffic V8's memory reducer ran full collections (which also threw away
 *   optimized code) and the young generation shrank to 1 MiB, so the first
 *   second of the next burst ran with scavenges every ~20 ms and
 *   re-optimization on the same core: p99 of an 8 s run started after 35 s
 *   idle 4.9 ms → 4.1 ms with these (2.8–3.2 ms when warm). Costs a young
 *   generation of 2 × 16 MiB kept while idle (the size it grows to under load
 *   anyway).
 */
export const DEFAULT_WORKER_EXEC_ARGV: readonly string[] = ['--single-threaded-gc', '--no-memory-reducer', '--min-semi-space-size=16'];

export interface ClusterHandle {
  /** Resolves when every first-generation worker is listening; rejects if one fails to. */
  readonly ready: Promise<{ http: number[]; https: number[] }>;
  readonly workers: () => number;
  /** Tells every worker to drain and waits for them to exit. */
  close(graceMs: number): Promise<void>;
}

class WorkerLink implements PlaneLink {
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();

  constructor(readonly worker: Worker) {}

  send(m: ToWorker): void {
    if (this.worker.isConnected()) this.worker.send(m);
  }

  apply(update: Parameters<PlaneLink['apply']>[0]): void {
    this.send({ tag: IPC_TAG, kind: 'update', update });
  }

  whenIdle(service: string, addr: string): Promise<void> {
    if (!this.worker.isConnected()) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      this.send({ tag: IPC_TAG, kind: 'idle?', id, service, addr });
    });
  }

  idle(id: number): void {
    this.waiting.get(id)?.();
    this.waiting.delete(id);
  }

  /** A dead worker has nothing in flight. */
  gone(): void {
    for (const r of this.waiting.values()) r();
    this.waiting.clear();
  }
}

export function startCluster(o: ClusterOptions): ClusterHandle {
  const logger = o.logger ?? noopLogger;
  if (o.scheduling) cluster.schedulingPolicy = o.scheduling === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  const extra = o.workerExecArgv ?? DEFAULT_WORKER_EXEC_ARGV;
  if (extra.length > 0) cluster.setupPrimary({ execArgv: [...process.execArgv, ...extra.filter((f) => !process.execArgv.includes(f))] });
  const links = new Map<Worker, WorkerLink>();
  let closing = false;
  let first = o.workers;
  let resolveReady!: (v: { http: number[]; https: number[] }) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<{ http: number[]; https: number[] }>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });

  const fork = () => {
    const worker = cluster.fork({ ...o.env, FLYNN_ROUTER_WORKER: '1' });
    const link = new WorkerLink(worker);
    links.set(worker, link);
    let detach: (() => void) | undefined;
    worker.on('message', (raw: unknown) => {
      if (!isRouterMessage<FromWorker>(raw)) return;
      if (raw.kind === 'hello') {
        link.send({ tag: IPC_TAG, kind: 'config', config: o.config });
        detach = o.control.attach(link);
        link.send({ tag: IPC_TAG, kind: 'synced' });
      } else if (raw.kind === 'idle') link.idle(raw.id);
      else if (raw.kind === 'listening') {
        logger.info({ event: 'worker_listening', worker: worker.process.pid, http: raw.http, https: raw.https }, 'worker listening');
        if (--first === 0) resolveReady({ http: raw.http, https: raw.https });
      } else if (raw.kind === 'failed') rejectReady(new Error(`worker failed: ${raw.message}`));
    });
    worker.on('exit', (code, signal) => {
      detach?.();
      link.gone();
      links.delete(worker);
      if (closing) return;
      logger.error({ event: 'worker_exit', worker: worker.process.pid, code, signal }, 'worker died; starting a new one');
      setTimeout(fork, 500).unref();
    });
  };
  for (let i = 0; i < o.workers; i++) fork();

  return {
    ready,
    workers: () => links.size,
    async close(graceMs: number) {
      closing = true;
      const exits = [...links.keys()].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
      for (const link of links.values()) link.send({ tag: IPC_TAG, kind: 'shutdown', graceMs });
      const kill = setTimeout(() => {
        for (const w of links.keys()) w.process.kill('SIGKILL');
      }, graceMs + 5_000);
      kill.unref();
      await Promise.all(exits);
      clearTimeout(kill);
    },
  };
}
