/**
 * Client load for the failover test, and the checks made on what it saw:
 *
 * - CAS writers: each write appends `{w, seq}` to the `history` array in the
 *   service meta (read-modify-CAS with `updateMeta`). A write is acknowledged
 *   when `updateMeta` resolved; its returned index is recorded. Because every
 *   write copies the history it read, an acknowledged write that was later
 *   lost would be missing from the final history.
 * - Churn: short-lived instances registered and deregistered in a loop.
 * - Watch sequences: no `up` for an instance already up, no `down`/`update`
 *   for one that is not.
 */
import type { DiscoveryClient, DiscoveryEvent, ServiceMeta } from '@flynn-ts/discovery';

export interface AckedWrite {
  w: number;
  seq: number;
  index: number;
  /** performance.now() when acknowledged. */
  at: number;
}

interface MetaData {
  history: Array<{ w: number; seq: number }>;
}

export interface Load {
  readonly acked: AckedWrite[];
  /** Writes or registrations that failed with an error (unknown outcome: retried as new writes). */
  readonly errors: unknown[];
  readonly churned: number;
  stop(): Promise<void>;
}

export function startLoad(writers: readonly DiscoveryClient[], churner: DiscoveryClient, service: string): Load {
  const acked: AckedWrite[] = [];
  const errors: unknown[] = [];
  let churned = 0;
  let stopped = false;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const writer = async (client: DiscoveryClient, w: number) => {
    for (let seq = 0; !stopped; seq++) {
      try {
        const stored = await client.updateMeta(
          service,
          (cur) => ({ history: [...((cur?.data as MetaData | undefined)?.history ?? []), { w, seq }] }) satisfies MetaData,
          { retries: 100 },
        );
        acked.push({ w, seq, index: stored!.index, at: performance.now() });
      } catch (err) {
        errors.push(err);
        await pause(50);
      }
    }
  };
  const churn = async () => {
    for (let k = 0; !stopped; k++) {
      try {
        const hb = await churner.register(service, `10.3.${(k >> 8) & 255}.${k & 255}:7000`, undefined, { heartbeatMs: 1_000, registerTimeoutMs: 20_000 });
        await pause(100);
        await hb.close();
        churned++;
      } catch (err) {
        errors.push(err);
        await pause(50);
      }
    }
  };
  const running = [...writers.map((c, w) => writer(c, w)), churn()];
  return {
    acked,
    errors,
    get churned() {
      return churned;
    },
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Checks the final meta against the acknowledged writes; returns a problem or undefined. */
export function casProblem(acked: readonly AckedWrite[], final: ServiceMeta | undefined): string | undefined {
  if (acked.length === 0) return 'no write was acknowledged';
  if (!final) return 'no meta stored';
  const history = (final.data as MetaData).history;
  const position = new Map(history.map((h, i) => [`${h.w}/${h.seq}`, i]));
  const byIndex = [...acked].sort((a, b) => a.index - b.index);
  let prev = -1;
  for (const a of byIndex) {
    const at = position.get(`${a.w}/${a.seq}`);
    if (at === undefined) return `acknowledged write ${a.w}/${a.seq} (index ${a.index}) is missing from the final history`;
    if (at <= prev) return `acknowledged write ${a.w}/${a.seq} (index ${a.index}) is out of order in the history`;
    prev = at;
  }
  const lastAck = byIndex.at(-1)!;
  if (final.index < lastAck.index) return `final index ${final.index} < last acknowledged index ${lastAck.index}`;
  if (final.index === lastAck.index && prev !== history.length - 1) return 'final meta at the last acknowledged index is not that write';
  return undefined;
}

/** Replays one watcher's events; returns the live instance ids, or throws on an inconsistent sequence. */
export function replayWatch(events: readonly DiscoveryEvent[]): Set<string> {
  const up = new Set<string>();
  for (const [i, e] of events.entries()) {
    const id = e.instance?.id;
    if (e.kind === 'up') {
      if (up.has(id!)) throw new Error(`event ${i}: duplicate up for ${id} without a down`);
      up.add(id!);
    } else if (e.kind === 'down' || e.kind === 'update') {
      if (!up.has(id!)) throw new Error(`event ${i}: ${e.kind} for ${id}, which is not up`);
      if (e.kind === 'down') up.delete(id!);
    }
  }
  return up;
}
