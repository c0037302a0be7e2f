/**
 * The desired state: every formation the controller reported, from its
 * formation stream (`GET /formations`: the formations, `current`, then each
 * change) and a periodic full listing that catches deletions missed while the
 * stream was reconnecting. Followers keep it warm as the leader does.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { Formation } from '../core/model.js';
import type { SchedulerController } from './ports.js';
import { formationFromWire, formationKey } from './translate.js';
import type { WireExpandedFormation } from './wire.js';

export interface FormationEntry {
  wire: WireExpandedFormation;
  formation: Formation;
  /** The pending scale request to mark complete once the formation has converged. */
  pendingScale?: string;
}

export interface FormationSetOptions {
  controller: Pick<SchedulerController, 'streamFormations' | 'formationListActive'>;
  clock: Clock;
  logger?: Logger;
  /** Full listing period. Default 60 000 ms (the original's formation sync). */
  syncMs?: number;
  /** A stream that has not delivered `current` after this long is replaced. Default 15 000 ms. */
  connectTimeoutMs?: number;
  onChange: () => void;
}

export class FormationSet {
  private readonly entries = new Map<string, FormationEntry>();
  private readonly ctl = new AbortController();
  private timer: Timer | undefined;
  private synced = false;
  private readonly logger: Logger;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: FormationSetOptions) {
    this.logger = o.logger ?? noopLogger;
  }

  /** True once the stream delivered `current` the first time. */
  get ready(): boolean {
    return this.synced;
  }

  start(): void {
    this.loop = this.follow();
    this.timer = this.o.clock.every(this.o.syncMs ?? 60_000, () => void this.sync());
  }

  async close(): Promise<void> {
    this.timer?.cancel();
    this.ctl.abort();
    await this.loop?.catch(() => {});
  }

  get(app: string, release: string): FormationEntry | undefined {
    return this.entries.get(formationKey(app, release));
  }

  all(): FormationEntry[] {
    return [...this.entries.values()];
  }

  /** Every formation for the planner (deleted ones with zero counts, so their jobs stop). */
  desired(): Formation[] {
    return [...this.entries.values()].map((e) => e.formation);
  }

  /** The discoverd services of every known process type. */
  services(): Set<string> {
    const out = new Set<string>();
    for (const e of this.entries.values()) for (const t of Object.values(e.formation.types)) if (t.service) out.add(t.service);
    return out;
  }

  /** The scale request was written `complete`: forget it. */
  scaleDone(app: string, release: string, id: string): void {
    const e = this.get(app, release);
    if (e?.pendingScale === id) delete e.pendingScale;
  }

  /** Drops formations that want nothing and have no jobs left (`live(key)` false). */
  prune(live: (app: string, release: string) => boolean): void {
    for (const [key, e] of this.entries) {
      const wants = Object.values(e.formation.processes).some((n) => n > 0);
      if (!wants && e.pendingScale === undefined && !live(e.formation.app, e.formation.release)) this.entries.delete(key);
    }
  }

  /** Re-reads the active formations: a known formation missing from them wants nothing. */
  async sync(): Promise<void> {
    let active: WireExpandedFormation[];
    try {
      active = await this.o.controller.formationListActive();
    } catch (err) {
      this.logger.warn({ event: 'formation_sync_failed', err }, 'could not list formations');
      return;
    }
    const seen = new Set<string>();
    for (const ef of active) {
      seen.add(formationKey(ef.app.id, ef.release.id));
      this.apply(ef, false);
    }
    for (const [key, e] of this.entries) {
      if (seen.has(key) || !Object.values(e.formation.processes).some((n) => n > 0)) continue;
      this.apply({ ...e.wire, deleted: true }, false);
    }
    this.o.onChange();
  }

  private apply(ef: WireExpandedFormation, notify = true): void {
    const key = formationKey(ef.app.id, ef.release.id);
    const prev = this.entries.get(key);
    const entry: FormationEntry = { wire: ef, formation: formationFromWire(ef) };
    const pending = ef.pending_scale_request;
    if (pending && pending.state === 'pending') entry.pendingScale = pending.id;
    this.entries.set(key, entry);
    if (!prev || JSON.stringify(prev.formation) !== JSON.stringify(entry.formation)) {
      this.logger.info({ event: 'formation', app: ef.app.name, release: ef.release.id, processes: entry.formation.processes, deleted: ef.deleted === true }, 'formation updated');
    }
    if (notify) this.o.onChange();
  }

  private async follow(): Promise<void> {
    const signal = this.ctl.signal;
    while (!signal.aborted) {
      const stream = this.o.controller.streamFormations({ signal });
      // A stream that never got to `current` (e.g. it keeps reconnecting to a controller that is gone)
      // is replaced by a new one, which picks the controller URL again.
      let current = false;
      const watchdog = this.o.clock.setTimer(this.o.connectTimeoutMs ?? 15_000, () => {
        if (!current) {
          this.logger.warn({ event: 'formation_stream_stuck' }, 'formation stream did not sync; reconnecting');
          stream.close();
        }
      });
      try {
        for await (const item of stream) {
          if (item.type === 'current') {
            current = true;
            if (!this.synced) this.logger.info({ event: 'formations_synced', formations: this.entries.size }, 'formations synced');
            this.synced = true;
            this.o.onChange();
          } else {
            this.apply(item.formation);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ event: 'formation_stream_failed', err }, 'formation stream failed; reconnecting');
      } finally {
        watchdog.cancel();
        stream.close();
      }
      await this.o.clock.sleep(1_000, signal).catch(() => {});
    }
  }
}
