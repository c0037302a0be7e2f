/**
 * `DnsWorkerPool`: N worker processes answering UDP DNS on one port, for more
 * than one core's worth of queries. Node 20's `dgram` has no `SO_REUSEPORT`
 * (`reusePort` arrived in Node 22.12), so this uses `node:cluster`: each
 * worker binds the same address non-exclusively, the cluster primary (this
 * process) holds the one socket and shares its handle, and the kernel hands
 * each datagram to whichever worker reads first. The primary itself does not
 * read it; TCP DNS stays with the caller's own `DnsServer`.
 *
 * Workers follow the registry through the node's HTTP API (see
 * `dns-worker.ts`). A worker that dies is restarted with backoff; `close()`
 * stops them all (a graceful message, then SIGKILL after `stopTimeoutMs`). A
 * worker whose primary dies exits by itself (the cluster IPC channel closes).
 *
 * `node:cluster`'s settings are process-global: starting a pool calls
 * `cluster.setupPrimary()` before each fork, so do not run other cluster
 * workers in the same process, and start pools from a primary only.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { backoffDelay, cryptoRandom, FlynnError, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, LogLevel, Random, Timer } from '@flynn-ts/core';
import type { BoundAddress } from './dns-server.js';
import { DNS_WORKER_ENV } from './dns-worker-protocol.js';
import type { DnsWorkerConfig, DnsWorkerMessage } from './dns-worker-protocol.js';

export interface DnsWorkerPoolOptions {
  /** Worker processes, at least 1. */
  workers: number;
  /** UDP listen address `ip:port` (port 0: any free port, the same for every worker). */
  udpAddr: string;
  /** Base URL of the discoverd HTTP API the workers read the registry from (e.g. the node's own `http://host:port`). */
  apiUrl: string;
  recursors?: readonly string[];
  recursionTimeoutMs?: number;
  viewTimeoutMs?: number;
  maxUdpRecords?: number;
  /** Workers' log level (they log JSON lines to stderr). Default `info`. */
  logLevel?: LogLevel;
  /** Extra fields on the workers' log lines. */
  logFields?: Record<string, unknown>;
  /** Node flags for the workers. Default: this process's, plus tsx when running from TypeScript sources. */
  execArgv?: readonly string[];
  /** How long `start()` waits for every worker to listen. Default 30 s. */
  startTimeoutMs?: number;
  /** How long `close()` waits for a worker to exit before SIGKILL. Default 3 s. */
  stopTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  restarts: number;
  timer: Timer | undefined;
}

export class DnsWorkerPool {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly slots: Slot[] = [];
  private readonly config: DnsWorkerConfig;
  private readonly script: { file: string; execArgv: string[] };
  private bound: BoundAddress | undefined;
  private closing = false;

  private constructor(private readonly o: DnsWorkerPoolOptions) {
    if (!Number.isSafeInteger(o.workers) || o.workers < 1) throw new FlynnError('FLYNN_DISCOVERY_DNS_CONFIG', `dns workers: want at least 1, got ${o.workers}`, { apiCode: 'validation_error' });
    if (!cluster.isPrimary) throw new FlynnError('FLYNN_DISCOVERY_DNS_CONFIG', 'dns workers: start the pool from a cluster primary', { apiCode: 'validation_error' });
    this.logger = (o.logger ?? noopLogger).child({ component: 'dns-workers' });
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? cryptoRandom();
    this.config = {
      udpAddr: o.udpAddr,
      apiUrl: o.apiUrl,
      recursors: [...(o.recursors ?? [])],
      logLevel: o.logLevel ?? 'info',
      ...(o.logFields ? { logFields: o.logFields } : {}),
      ...(o.recursionTimeoutMs !== undefined ? { recursionTimeoutMs: o.recursionTimeoutMs } : {}),
      ...(o.viewTimeoutMs !== undefined ? { viewTimeoutMs: o.viewTimeoutMs } : {}),
      ...(o.maxUdpRecords !== undefined ? { maxUdpRecords: o.maxUdpRecords } : {}),
    };
    this.script = workerScript(o.execArgv);
  }

  /** Forks the workers and resolves once every one listens; rejects (with every worker stopped) if one cannot. */
  static async start(o: DnsWorkerPoolOptions): Promise<DnsWorkerPool> {
    const pool = new DnsWorkerPool(o);
    try {
      await pool.startAll();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** The UDP address the workers answer on. */
  get udpAddress(): BoundAddress {
    return this.bound!;
  }

  /** PIDs of the running workers. */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.worker?.process.pid === undefined || s.worker.isDead() ? [] : [s.worker.process.pid]));
  }

  /** Stops every worker (graceful, then SIGKILL after `stopTimeoutMs`). Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    const stopMs = this.o.stopTimeoutMs ?? 3_000;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.timer?.cancel();
        const w = slot.worker;
        if (!w || w.isDead()) return;
        const gone = new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve())));
        try {
          w.send({ type: 'close' });
        } catch {
          // channel already closed
        }
        let timer: Timer | undefined;
        const timeout = new Promise<void>((resolve) => (timer = this.clock.setTimer(stopMs, resolve)));
        await Promise.race([gone, timeout]);
        timer?.cancel();
        if (!w.isDead()) {
          w.process.kill('SIGKILL');
          await gone;
        }
      }),
    );
  }

  private async startAll(): Promise<void> {
    // The first worker makes the primary bind; the others (asking for the same address, port 0
    // included: the cluster keys shared sockets by the address asked for) share that socket.
    await this.spawn(this.newSlot());
    await Promise.all(Array.from({ length: this.o.workers - 1 }, () => this.spawn(this.newSlot())));
    this.logger.info({ event: 'dns_workers_started', workers: this.o.workers, udp: this.bound, pids: this.pids }, 'dns workers listening');
  }

  private newSlot(): Slot {
    const slot: Slot = { index: this.slots.length, worker: undefined, restarts: 0, timer: undefined };
    this.slots.push(slot);
    return slot;
  }

  /** Forks one worker into `slot`; resolves when it listens. */
  private spawn(slot: Slot): Promise<void> {
    cluster.setupPrimary({ exec: this.script.file, execArgv: this.script.execArgv, args: [], silent: false });
    const worker = cluster.fork({ [DNS_WORKER_ENV]: JSON.stringify(this.config) });
    slot.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let listening = false;
      const startMs = this.o.startTimeoutMs ?? 30_000;
      const timer = this.clock.setTimer(startMs, () => fail(new Error(`dns worker did not listen within ${startMs} ms`)));
      const fail = (err: Error) => {
        timer.cancel();
        if (!listening) reject(new FlynnError('FLYNN_DISCOVERY_DNS_WORKER', `dns worker ${slot.index}: ${err.message}`, { cause: err }));
      };
      worker.on('message', (m: DnsWorkerMessage) => {
        if (m?.type === 'listening' && !listening) {
          listening = true;
          timer.cancel();
          this.bound ??= { address: m.address, port: m.port };
          slot.restarts = 0;
          this.logger.debug({ event: 'dns_worker_listening', slot: slot.index, pid: worker.process.pid }, 'dns worker listening');
          resolve();
        } else if (m?.type === 'failed') {
          fail(new Error(m.message));
        }
      });
      worker.on('exit', (code, signal) => {
        fail(new Error(`exited (code ${code}, signal ${signal}) before listening`));
        if (slot.worker !== worker || this.closing || !listening) return;
        this.logger.warn({ event: 'dns_worker_exited', slot: slot.index, pid: worker.process.pid, code, signal }, 'dns worker exited; restarting it');
        this.restartLater(slot);
      });
    });
  }

  private restartLater(slot: Slot): void {
    const delay = backoffDelay(slot.restarts++, this.random, { initialMs: 200, maxMs: 5_000 });
    slot.timer = this.clock.setTimer(delay, () => {
      slot.timer = undefined;
      if (this.closing) return;
      this.spawn(slot).catch((err: unknown) => {
        this.logger.error({ event: 'dns_worker_restart_failed', slot: slot.index, err }, 'dns worker restart failed');
        if (!this.closing) this.restartLater(slot);
      });
    });
  }
}

/**
 * The worker's entry script next to this module: `dns-worker.js` in a build
 * (beside this file, or one level up when this code sits in `dist/server/`),
 * else `dns-worker.ts` from the sources, which needs tsx in the worker.
 */
function workerScript(execArgv: readonly string[] | undefined): { file: string; execArgv: string[] } {
  for (const rel of ['./dns-worker.js', '../dns-worker.js']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return { file, execArgv: [...(execArgv ?? process.execArgv)] };
  }
  const file = fileURLToPath(new URL('./dns-worker.ts', import.meta.url));
  if (execArgv) return { file, execArgv: [...execArgv] };
  let tsx = 'tsx';
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    // leave it to the worker's own resolution
  }
  return { file, execArgv: ['--conditions=@flynn-ts/source', '--import', tsx] };
}
