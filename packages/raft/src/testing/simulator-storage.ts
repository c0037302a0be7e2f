/**
 * A `MemoryStorage` with disk latency: each `save` waits a random number of
 * milliseconds on the injected clock before it reaches the storage. A crash
 * during the wait loses the save (it never reached the "disk"), which is the
 * window in which a driver that sends before persisting leaks state it then
 * forgets. Without latency a `MemoryStorage` save completes synchronously, so
 * no crash between simulator steps could land inside it.
 */
import type { Clock, Random } from '@flynn-ts/core';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import type { RaftStorage, RecoveredState } from '../storage.js';
import type { CrashKind, MemoryStorage } from './memory-storage.js';

export class LatencyStorage implements RaftStorage {
  constructor(
    readonly inner: MemoryStorage,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly latencyMs: readonly [number, number],
  ) {}

  /** What a restarted node recovers after a crash of this kind (saves still waiting are lost). */
  crash(kind: CrashKind): MemoryStorage {
    return this.inner.crash(kind);
  }

  load(): Promise<RecoveredState> {
    return this.inner.load();
  }

  async save(batch: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }, sync: boolean): Promise<void> {
    const [min, max] = this.latencyMs;
    if (max > 0) await this.clock.sleep(min + this.random.int(max - min + 1));
    return this.inner.save(batch, sync);
  }

  appendEntries(entries: readonly Entry[]): Promise<void> {
    return this.save({ entries }, true);
  }

  setHardState(hs: HardState): Promise<void> {
    return this.save({ hardState: hs, entries: [] }, true);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.inner.saveSnapshot(snapshot);
  }

  compact(index: number): Promise<void> {
    return this.inner.compact(index);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
