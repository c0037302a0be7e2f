/**
 * One backend watch per routed service, shared by all its routes
 * (reference §7.4), reference-counted: the first route of a service starts
 * the watch, removing the last one stops it. Each snapshot is diffed with the
 * previous one; the owner hears `changed` first (so the data path has the new
 * set) and then `up` / `down` per backend.
 */
import { backoffDelay, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { Backend } from '../core/types.js';
import type { BackendSnapshot, BackendSource } from './backend-source.js';

export interface RegistryHooks {
  changed(service: string, snapshot: BackendSnapshot): void;
  up(backend: Backend): void;
  down(backend: Backend): void;
}

interface Watched {
  refs: number;
  readonly ctl: AbortController;
  current: BackendSnapshot | undefined;
  readonly ready: Promise<void>;
  markReady: () => void;
}

export class BackendRegistry {
  private readonly services = new Map<string, Watched>();
  private readonly logger: Logger;

  constructor(
    private readonly source: BackendSource,
    private readonly hooks: RegistryHooks,
    private readonly deps: { clock: Clock; random: Random; logger?: Logger },
  ) {
    this.logger = deps.logger ?? noopLogger;
  }

  /** Current snapshot of a watched service (undefined before its first one). */
  current(service: string): BackendSnapshot | undefined {
    return this.services.get(service)?.current;
  }

  /** Every known backend of every watched service. */
  all(): Backend[] {
    return [...this.services.values()].flatMap((w) => w.current?.backends ?? []);
  }

  ref(service: string): void {
    const w = this.services.get(service);
    if (w) {
      w.refs++;
      return;
    }
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    const watched: Watched = { refs: 1, ctl: new AbortController(), current: undefined, ready, markReady };
    this.services.set(service, watched);
    void this.run(service, watched);
  }

  /** Drops a reference; the last one stops the watch and reports its backends down. */
  unref(service: string): void {
    const w = this.services.get(service);
    if (!w || --w.refs > 0) return;
    this.services.delete(service);
    w.ctl.abort();
    w.markReady();
    const gone = w.current?.backends ?? [];
    if (gone.length > 0) this.hooks.changed(service, { backends: [] });
    for (const b of gone) this.hooks.down(b);
  }

  /** Resolves when the service's first snapshot arrived, or after `timeoutMs`. */
  whenReady(service: string, timeoutMs: number): Promise<void> {
    const w = this.services.get(service);
    if (!w || w.current) return Promise.resolve();
    return Promise.race([w.ready, this.deps.clock.sleep(timeoutMs)]);
  }

  close(): void {
    for (const w of this.services.values()) {
      w.ctl.abort();
      w.markReady();
    }
    this.services.clear();
  }

  private async run(service: string, w: Watched): Promise<void> {
    let failures = 0;
    while (!w.ctl.signal.aborted) {
      try {
        for await (const snap of this.source.watch(service, w.ctl.signal)) {
          if (w.ctl.signal.aborted) return;
          failures = 0;
          this.apply(service, w, snap);
        }
        if (w.ctl.signal.aborted) return;
        throw new Error('backend watch ended');
      } catch (err) {
        if (w.ctl.signal.aborted) return;
        const delay = backoffDelay(failures++, this.deps.random, { initialMs: 200, maxMs: 2_000 });
        this.logger.warn({ event: 'backend_watch_failed', service, err, retryMs: delay }, 'backend watch failed; retrying');
        try {
          await this.deps.clock.sleep(delay, w.ctl.signal);
        } catch {
          return;
        }
      }
    }
  }

  private apply(service: string, w: Watched, snap: BackendSnapshot): void {
    const prev = w.current;
    w.current = snap;
    const before = new Map((prev?.backends ?? []).map((b) => [b.addr, b]));
    const after = new Map(snap.backends.map((b) => [b.addr, b]));
    const changed = !prev || prev.leader !== snap.leader || before.size !== after.size || [...after.keys()].some((a) => !before.has(a));
    if (changed || JSON.stringify(prev?.backends) !== JSON.stringify(snap.backends)) this.hooks.changed(service, snap);
    for (const [addr, b] of after) if (!before.has(addr)) this.hooks.up(b);
    for (const [addr, b] of before) if (!after.has(addr)) this.hooks.down(b);
    w.markReady();
  }
}
