import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryDiscovery } from '../testing/memory-discovery.js';
import type { KillReason } from './register-while-healthy.js';
import { registerWhileHealthy } from './register-while-healthy.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

async function run(clock: ManualClock, ms: number, step = 100) {
  for (let t = 0; t < ms; t += step) {
    await clock.advanceAsync(step);
    await settle();
  }
}

function setup() {
  const clock = new ManualClock(0);
  const d = new MemoryDiscovery({ clock, random: seededRandom(5) });
  const state = { healthy: false };
  const check = async () => {
    if (!state.healthy) throw new Error('unhealthy');
  };
  const addrs = async () => (await d.instances('app')).map((i) => i.addr);
  return { clock, d, state, check, addrs };
}

describe('registerWhileHealthy', () => {
  it('close() undoes a registration that discoverd applied but had not answered yet', async () => {
    const { clock, d, state, check, addrs } = setup();
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    // Applied at once, answered later: what a close() racing a registration on the wire sees.
    const slow: Pick<typeof d, 'register'> = {
      register: async (...args: Parameters<typeof d.register>) => {
        const hb = await d.register(...args);
        const signal = args[3]?.signal;
        // Like the HTTP client: an abort rejects even though discoverd has applied the registration.
        await new Promise<void>((resolve, reject) => {
          void answered.then(resolve);
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
        });
        return hb;
      },
    };
    const reg = registerWhileHealthy(slow, 'app', '10.0.0.1:80', check, { clock });
    state.healthy = true;
    await run(clock, 200);
    expect(await addrs()).toEqual(['10.0.0.1:80']);
    const closed = reg.close();
    await settle();
    release();
    await closed;
    expect(await addrs()).toEqual([]);
    await d.close();
  });

  it('registers only while up and deregisters on down', async () => {
    const { clock, d, state, check, addrs } = setup();
    const reg = registerWhileHealthy(d, 'app', '10.0.0.1:80', check, { clock, meta: { v: '1' } });
    await run(clock, 1_000);
    expect(await addrs()).toEqual([]);
    expect(reg.status).toBe('created');
    state.healthy = true;
    await run(clock, 200);
    expect(await addrs()).toEqual(['10.0.0.1:80']);
    expect((await d.instances('app'))[0]?.meta).toEqual({ v: '1' });
    state.healthy = false;
    await run(clock, 4_100);
    expect(reg.status).toBe('down');
    expect(await addrs()).toEqual([]);
    state.healthy = true;
    await run(clock, 4_100);
    expect(await addrs()).toEqual(['10.0.0.1:80']);
    await reg.setMeta({ v: '2' });
    expect((await d.instances('app'))[0]?.meta).toEqual({ v: '2' });
    await reg.close();
    expect(await addrs()).toEqual([]);
    await d.close();
  });

  it('kill_down: kills on down', async () => {
    const { clock, d, state, check, addrs } = setup();
    const kills: KillReason[] = [];
    state.healthy = true;
    const reg = registerWhileHealthy(d, 'app', '10.0.0.1:80', [check, check], { clock, killDown: true, onKill: (r) => kills.push(r) });
    await run(clock, 20_000); // well past the start timeout: it came up in time
    expect(kills).toEqual([]);
    state.healthy = false;
    await run(clock, 4_100);
    expect(kills).toEqual(['down']);
    expect(await addrs()).toEqual([]);
    state.healthy = true;
    await run(clock, 10_000); // stopped after the kill: never re-registers
    expect(await addrs()).toEqual([]);
    await reg.close();
    await d.close();
  });

  it('kill_down: kills when not up within start_timeout', async () => {
    const { clock, d, check } = setup();
    const kills: KillReason[] = [];
    const reg = registerWhileHealthy(d, 'app', '10.0.0.1:80', check, { clock, killDown: true, startTimeoutMs: 5_000, onKill: (r) => kills.push(r) });
    await run(clock, 4_900);
    expect(kills).toEqual([]);
    await run(clock, 200);
    expect(kills).toEqual(['start_timeout']);
    expect(reg.status).toBe('created');
    await reg.close();
    await d.close();
    expect(clock.pending).toBe(0);
  });

  it('without kill_down, a slow start is not killed', async () => {
    const { clock, d, state, check, addrs } = setup();
    const kills: KillReason[] = [];
    const reg = registerWhileHealthy(d, 'app', '10.0.0.1:80', check, { clock, onKill: (r) => kills.push(r) });
    await run(clock, 30_000);
    state.healthy = true;
    await run(clock, 200);
    expect(kills).toEqual([]);
    expect(await addrs()).toEqual(['10.0.0.1:80']);
    await reg.close();
    await d.close();
  });

  it('retries a failed registration every second while up', async () => {
    const { clock, d, state, check, addrs } = setup();
    let failures = 2;
    const flaky = {
      register: (...args: Parameters<MemoryDiscovery['register']>) => (failures-- > 0 ? Promise.reject(new Error('discoverd down')) : d.register(...args)),
    };
    state.healthy = true;
    const reg = registerWhileHealthy(flaky, 'app', '10.0.0.1:80', check, { clock });
    await run(clock, 1_500);
    expect(await addrs()).toEqual([]);
    await run(clock, 1_000);
    expect(await addrs()).toEqual(['10.0.0.1:80']);
    await reg.close();
    await d.close();
  });
});
