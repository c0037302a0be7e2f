import { HttpError } from '@flynn-ts/core';
import { ManualClock, flushMicrotasks, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { JobPersister } from './job-persister.js';
import type { JobWrite } from './ports.js';

function setup(opts: { leader?: () => boolean; fail?: (w: JobWrite, n: number) => Error | undefined; concurrency?: number } = {}) {
  const clock = new ManualClock();
  const sent: JobWrite[] = [];
  const gates: (() => void)[] = [];
  let hold = false;
  let calls = 0;
  const p = new JobPersister({
    controller: {
      putJob: async (w) => {
        const n = ++calls;
        if (hold) await new Promise<void>((r) => gates.push(r));
        const err = opts.fail?.(w, n);
        if (err) throw err;
        sent.push(w);
        return w;
      },
    },
    isLeader: opts.leader ?? (() => true),
    clock,
    random: seededRandom(1),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
  });
  return {
    p,
    clock,
    sent,
    hold: (v: boolean) => (hold = v),
    open: () => gates.splice(0).forEach((g) => g()),
    get calls() {
      return calls;
    },
  };
}

const w = (uuid: string, state: JobWrite['state']): JobWrite => ({ uuid, app: 'a', state });

describe('JobPersister', () => {
  it('writes one job at a time, always its latest state, so states arrive in order and intermediate ones may be skipped', async () => {
    const t = setup();
    t.hold(true);
    t.p.enqueue(w('j1', 'pending'));
    await flushMicrotasks();
    expect(t.calls).toBe(1);
    // While `pending` is in flight, `starting` then `up` queue: only `up` is written next.
    t.p.enqueue(w('j1', 'starting'));
    t.p.enqueue(w('j1', 'up'));
    await flushMicrotasks();
    expect(t.calls).toBe(1);
    t.hold(false);
    t.open();
    await t.p.idle();
    expect(t.sent.map((x) => x.state)).toEqual(['pending', 'up']);
  });

  it('skips a write identical to the last one, and writes nothing unless leading', async () => {
    let leader = true;
    const t = setup({ leader: () => leader });
    t.p.enqueue(w('j1', 'up'));
    await t.p.idle();
    t.p.enqueue(w('j1', 'up'));
    await t.p.idle();
    leader = false;
    t.p.enqueue(w('j2', 'up'));
    await t.p.idle();
    expect(t.sent.map((x) => `${x.uuid} ${x.state}`)).toEqual(['j1 up']);
  });

  it('retries failures worth retrying with backoff; gives up on a 4xx', async () => {
    const t = setup({ fail: (x, n) => (x.uuid === 'j1' && n < 3 ? new HttpError(503, { code: 'service_unavailable', message: 'busy' }) : x.uuid === 'j2' ? new HttpError(400, { code: 'validation_error', message: 'no' }) : undefined) });
    t.p.enqueue(w('j1', 'up'));
    t.p.enqueue(w('j2', 'up'));
    await flushMicrotasks(50);
    expect(t.sent).toEqual([]);
    await t.clock.advanceAsync(10_000);
    await t.p.idle();
    expect(t.sent.map((x) => x.uuid)).toEqual(['j1']);
    expect(t.p.written('j2')).toBeUndefined();
  });

  it('bounds the writes in flight', async () => {
    const t = setup({ concurrency: 2 });
    t.hold(true);
    for (let i = 0; i < 5; i++) t.p.enqueue(w(`j${i}`, 'up'));
    await flushMicrotasks(50);
    expect(t.calls).toBe(2);
    t.hold(false);
    t.open();
    await t.p.idle();
    expect(t.sent).toHaveLength(5);
  });
});
