import { linkSignals, seededRandom } from '@flynn-ts/core';
import { ManualClock } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import type { ClusterAccess } from './cluster-access.js';
import { BootstrapError } from './core/errors.js';
import { pollUntil } from './poll.js';
import type { StepContext } from './step-context.js';

function context(clock: ManualClock, timeoutMs: number): StepContext {
  const linked = linkSignals([], { timeoutMs, clock, what: 'step' });
  return {
    step: { id: 'w', action: 'log', output: '' },
    at: { index: 1, id: 'w', action: 'wait' },
    signal: linked.signal,
    timeoutMs,
    state: { stepData: {}, started: [] },
    cluster: {} as ClusterAccess,
    singleton: true,
    minHosts: 1,
    getenv: () => undefined,
    controller: () => Promise.reject(new Error('no controller')),
    progress: () => {},
    tools: { randomBytes: (n) => new Uint8Array(n), openssl: 'openssl' },
    clock,
    random: seededRandom(1),
    logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } as unknown as StepContext['logger'],
  };
}

describe('pollUntil', () => {
  it('retries until the attempt returns a value', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = pollUntil(context(clock, 10_000), async () => (++calls === 3 ? 'ok' : undefined), { what: 'x', last: () => undefined, intervalMs: 100 });
    await clock.advanceAsync(250);
    await expect(p).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('times out with what it waited for, what it last saw and the diagnosis', async () => {
    const clock = new ManualClock();
    const p = pollUntil(context(clock, 5_000), async () => undefined, {
      what: 'the controller to answer 200',
      last: () => 'connection refused',
      diagnose: async () => 'job x crashed',
    });
    const caught = p.catch((e: unknown) => e);
    await clock.advanceAsync(6_000);
    const err = await caught;
    expect(err).toBeInstanceOf(BootstrapError);
    expect((err as BootstrapError).code).toBe('FLYNN_BOOTSTRAP_TIMEOUT');
    expect((err as Error).message).toBe('timed out after 5.0s waiting for the controller to answer 200 (last: connection refused)\njob x crashed');
  });

  it('an attempt that throws fails at once', async () => {
    const clock = new ManualClock();
    await expect(pollUntil(context(clock, 5_000), async () => Promise.reject(new Error('job crashed')), { what: 'x', last: () => undefined })).rejects.toThrow('job crashed');
  });
});
