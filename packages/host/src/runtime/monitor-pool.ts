import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { TOOL_PATH } from './proc.js';

/**
 * Spare flynn-monitors, spawned ahead of job starts (`--args-from-stdin`): a start hands one its
 * arguments on stdin instead of spawning a process, which takes a fork of the whole daemon and an
 * exec (milliseconds, more on a loaded host) off the start's path. Spares are spawned again once no
 * start is in flight (a spawn blocks the event loop: not while starts wait for their monitors). Each
 * costs one idle ~1 MB process; it exits when its stdin closes (the daemon exits or dies, or
 * {@link close}), and holds no reference on the daemon's event loop.
 */
export class MonitorPool {
  private readonly spares: ChildProcess[] = [];
  private inFlight = 0;
  private closed = false;

  /** `size`: spares kept (default 4, the daemon's default start concurrency). */
  constructor(
    private readonly monitorPath: string,
    private readonly size = 4,
  ) {}

  /** A start begins: a live spare if there is one. Pair with {@link finished}. */
  take(): ChildProcess | undefined {
    this.inFlight++;
    for (let c = this.spares.shift(); c; c = this.spares.shift()) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) return c;
    }
    return undefined;
  }

  /** A start is over (either way): once none is in flight, spawn the missing spares (after this tick). */
  finished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) setImmediate(() => this.refill());
  }

  /** Spawns spares up to the pool size, unless a start is in flight or the pool is closed. */
  refill(): void {
    while (!this.closed && this.inFlight === 0 && this.spares.length < this.size) this.spares.push(this.spawnSpare());
  }

  /** Lets the spares go (they exit on EOF) and spawns no more. */
  close(): void {
    this.closed = true;
    for (const c of this.spares.splice(0)) c.stdin?.end();
  }

  private spawnSpare(): ChildProcess {
    const child = spawn(this.monitorPath, ['--args-from-stdin'], { detached: true, stdio: ['pipe', 'ignore', 'pipe', 'pipe'], env: { PATH: TOOL_PATH } });
    child.on('error', () => {
      const i = this.spares.indexOf(child);
      if (i >= 0) this.spares.splice(i, 1);
    });
    child.stdin!.on('error', () => {});
    child.unref();
    for (const s of [child.stdin, child.stderr, child.stdio[3]]) (s as Socket | null)?.unref?.();
    return child;
  }
}
