import { describe, expect, it } from 'vitest';
import { retry } from '../backoff.js';
import { linkSignals, TimeoutError } from '../abort.js';
import { seededRandom } from '../random.js';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('fires timers only when advanced, in due order', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(10, () => fired.push('b'));
    expect(fired).toEqual([]);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(10);
    clock.advance(100);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(110);
  });

  it('runs intervals deterministically and cancels', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const t = clock.every(10, () => at.push(clock.now()));
    clock.advance(35);
    t.cancel();
    clock.advance(100);
    expect(at).toEqual([10, 20, 30]);
    expect(clock.pending).toBe(0);
  });

  it('timers scheduled from a timer fire in the same advance when due', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimer(5, () => clock.setTimer(5, () => at.push(clock.now())));
    clock.advance(10);
    expect(at).toEqual([10]);
  });

  it('gives identical runs for identical inputs', async () => {
    const run = async () => {
      const clock = new ManualClock(0);
      const log: number[] = [];
      let n = 0;
      const p = retry(
        async () => {
          log.push(clock.now());
          if (++n < 4) throw new Error('again');
          return n;
        },
        { clock, random: seededRandom(9), attempts: 5, initialMs: 100 },
      );
      await clock.advanceAsync(10_000);
      expect(await p).toBe(4);
      return log;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a).toHaveLength(4);
    expect(a[1]! - a[0]!).toBeGreaterThanOrEqual(50);
  });

  it('times out linked signals on the injected clock', () => {
    const clock = new ManualClock(0);
    const linked = linkSignals([], { timeoutMs: 50, clock });
    clock.advance(49);
    expect(linked.signal.aborted).toBe(false);
    clock.advance(1);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBeInstanceOf(TimeoutError);
  });
});
