import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import type { HeartbeatTransport, InstanceRegistration } from './heartbeater.js';
import { HeartbeatLoop } from './heartbeater.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A transport that records calls; `failing` makes PUTs reject; `hold` keeps the next PUT pending. */
class FakeTransport implements HeartbeatTransport {
  puts: Array<{ at: number; inst: InstanceRegistration }> = [];
  removes: Array<{ at: number; id: string }> = [];
  failing = false;
  inFlight = 0;
  maxInFlight = 0;
  held: Array<() => void> = [];
  hold = false;
  aborted = 0;
  constructor(private readonly clock: ManualClock) {}
  async put(inst: InstanceRegistration, signal: AbortSignal): Promise<void> {
    this.puts.push({ at: this.clock.now(), inst });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) {
        await new Promise<void>((resolve, reject) => {
          this.held.push(resolve);
          signal.addEventListener('abort', () => {
            this.aborted++;
            reject(signal.reason);
          });
        });
      }
      if (this.failing) throw new Error('unreachable');
    } finally {
      this.inFlight--;
    }
  }
  async remove(id: string): Promise<void> {
    this.removes.push({ at: this.clock.now(), id });
  }
}

const reg: InstanceRegistration = { id: 'abc', addr: '10.0.0.1:80', proto: 'tcp' };

function setup(seed = 1) {
  const clock = new ManualClock(0);
  const transport = new FakeTransport(clock);
  const hb = new HeartbeatLoop('web', reg, transport, { clock, random: seededRandom(seed) });
  return { clock, transport, hb };
}

describe('HeartbeatLoop', () => {
  it('beats every 3–5 s (5 s minus up to 40 %)', async () => {
    const { clock, transport, hb } = setup();
    hb.start();
    for (let i = 0; i < 40; i++) {
      await clock.advanceAsync(1_000);
      await settle();
    }
    const gaps = transport.puts.map((p, i) => p.at - (transport.puts[i - 1]?.at ?? 0));
    expect(transport.puts.length).toBeGreaterThanOrEqual(8);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(3_000);
      expect(g).toBeLessThanOrEqual(5_000);
    }
    expect(transport.puts[0]!.inst).toEqual(reg);
    await hb.close();
  });

  it('retries every 200–400 ms while failing, then goes back to the slow period', async () => {
    const { clock, transport, hb } = setup(3);
    hb.start();
    transport.failing = true;
    for (let i = 0; i < 70; i++) {
      await clock.advanceAsync(100);
      await settle();
    }
    const retries = transport.puts;
    expect(retries[0]!.at).toBeGreaterThanOrEqual(3_000);
    expect(retries[0]!.at).toBeLessThanOrEqual(5_000);
    expect(retries.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < retries.length; i++) {
      const gap = retries[i]!.at - retries[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(200);
      expect(gap).toBeLessThanOrEqual(400);
    }
    transport.failing = false;
    for (let i = 0; i < 5; i++) {
      await clock.advanceAsync(100);
      await settle();
    }
    const recovered = transport.puts.length;
    await clock.advanceAsync(2_900);
    await settle();
    expect(transport.puts.length).toBe(recovered);
    await hb.close();
  });

  it('setMeta re-registers at once with the new meta, after a PUT in flight (never overlapping)', async () => {
    const { clock, transport, hb } = setup();
    hb.start();
    transport.hold = true;
    await clock.advanceAsync(5_000);
    await settle();
    expect(transport.puts).toHaveLength(1);
    transport.hold = false;
    const done = hb.setMeta({ color: 'blue' });
    await settle();
    expect(transport.puts).toHaveLength(1); // queued behind the held PUT
    transport.held.shift()!();
    await done;
    expect(transport.puts).toHaveLength(2);
    expect(transport.puts[1]!.inst.meta).toEqual({ color: 'blue' });
    expect(hb.meta).toEqual({ color: 'blue' });
    expect(transport.maxInFlight).toBe(1);
    await hb.close();
  });

  it('setMeta rejects when the PUT fails (and the loop keeps retrying)', async () => {
    const { clock, transport, hb } = setup();
    hb.start();
    transport.failing = true;
    await expect(hb.setMeta({ a: 'b' })).rejects.toThrow('unreachable');
    await clock.advanceAsync(400);
    await settle();
    expect(transport.puts.length).toBe(2);
    await hb.close();
  });

  it('close() stops the timer, lets a PUT in flight finish for 2 s, then aborts it and deregisters once', async () => {
    const { clock, transport, hb } = setup();
    hb.start();
    transport.hold = true;
    await clock.advanceAsync(5_000);
    await settle();
    const closing = Promise.all([hb.close(), hb.close()]);
    await clock.advanceAsync(1_999);
    await settle();
    expect(transport.aborted).toBe(0);
    expect(transport.removes).toEqual([]);
    await clock.advanceAsync(1);
    await closing;
    expect(transport.aborted).toBe(1);
    expect(transport.removes).toEqual([{ at: clock.now(), id: 'abc' }]);
    await clock.advanceAsync(60_000);
    await settle();
    expect(transport.puts).toHaveLength(1);
    expect(clock.pending).toBe(0);
    await expect(hb.setMeta({})).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_CLOSED' });
  });

  it('abandon() stops beating without deregistering', async () => {
    const { clock, transport, hb } = setup();
    hb.start();
    hb.abandon();
    await hb.close();
    await clock.advanceAsync(60_000);
    expect(transport.puts).toHaveLength(0);
    expect(transport.removes).toHaveLength(0);
  });
});
