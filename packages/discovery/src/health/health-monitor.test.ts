import { ManualClock } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { allChecks, parseHostPort } from './health-check.js';
import type { HealthEvent } from './health-monitor.js';
import { HealthMonitor } from './health-monitor.js';

const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A check whose result the test sets; records the time of every call. */
function fakeCheck(clock: ManualClock) {
  const state = { healthy: false, calls: [] as number[] };
  const check = async () => {
    state.calls.push(clock.now());
    if (!state.healthy) throw new Error('unhealthy');
  };
  return { state, check };
}

async function run(clock: ManualClock, ms: number, step = 50) {
  for (let t = 0; t < ms; t += step) {
    await clock.advanceAsync(step);
    await settle();
  }
}

describe('HealthMonitor', () => {
  it('checks every 100 ms until the first success, goes up at once, then checks every 2 s', async () => {
    const clock = new ManualClock(0);
    const { state, check } = fakeCheck(clock);
    const m = new HealthMonitor(check, { clock });
    const events: HealthEvent[] = [];
    m.onChange((e) => events.push(e));
    m.start();
    await settle();
    await run(clock, 500);
    expect(state.calls).toEqual([0, 100, 200, 300, 400, 500]);
    expect(m.status).toBe('created');
    state.healthy = true;
    await run(clock, 100);
    expect(m.status).toBe('up');
    expect(events).toEqual([{ status: 'up' }]);
    state.calls.length = 0;
    await run(clock, 6_000);
    expect(state.calls).toEqual([2_600, 4_600, 6_600]);
    m.stop();
  });

  it('flips only after `threshold` consecutive results', async () => {
    const clock = new ManualClock(0);
    const { state, check } = fakeCheck(clock);
    state.healthy = true;
    const m = new HealthMonitor(check, { clock, threshold: 3 });
    const events: string[] = [];
    m.onChange((e) => events.push(e.status));
    m.start();
    await settle();
    state.healthy = false;
    await run(clock, 4_000); // 2 failures
    expect(m.status).toBe('up');
    state.healthy = true;
    await run(clock, 2_000); // a success resets the count
    state.healthy = false;
    await run(clock, 4_000);
    expect(m.status).toBe('up');
    await run(clock, 2_000); // third failure in a row
    expect(m.status).toBe('down');
    state.healthy = true;
    await run(clock, 4_000);
    expect(m.status).toBe('down');
    await run(clock, 2_000);
    expect(m.status).toBe('up');
    expect(events).toEqual(['up', 'down', 'up']);
    m.stop();
  });

  it('reports the last failure with down', async () => {
    const clock = new ManualClock(0);
    const { state, check } = fakeCheck(clock);
    state.healthy = true;
    const m = new HealthMonitor(check, { clock });
    const events: HealthEvent[] = [];
    m.onChange((e) => events.push(e));
    m.start();
    await settle();
    state.healthy = false;
    await run(clock, 4_000);
    expect(events[1]).toMatchObject({ status: 'down', error: expect.objectContaining({ message: 'unhealthy' }) });
    m.stop();
  });

  it('never overlaps checks and stop() aborts the one in flight', async () => {
    const clock = new ManualClock(0);
    let inFlight = 0;
    let max = 0;
    let aborted = 0;
    const slow = (signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        inFlight++;
        max = Math.max(max, inFlight);
        const t = clock.setTimer(250, () => {
          inFlight--;
          resolve();
        });
        signal.addEventListener('abort', () => {
          t.cancel();
          inFlight--;
          aborted++;
          reject(signal.reason);
        });
      });
    const m = new HealthMonitor(slow, { clock, intervalMs: 100 });
    m.start();
    await run(clock, 2_000);
    expect(max).toBe(1);
    m.stop();
    m.stop();
    await settle();
    expect(aborted).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('allChecks needs every check; parseHostPort reads host:port forms', async () => {
    const ok = async () => {};
    const bad = async () => {
      throw new Error('no');
    };
    await expect(allChecks([ok, ok])(new AbortController().signal)).resolves.toBeUndefined();
    await expect(allChecks([ok, bad])(new AbortController().signal)).rejects.toThrow('no');
    expect(parseHostPort('10.0.0.1:80')).toEqual({ host: '10.0.0.1', port: 80 });
    expect(parseHostPort('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseHostPort(':5000')).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(() => parseHostPort('nope')).toThrow(RangeError);
  });
});
