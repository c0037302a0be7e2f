import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import type { HostInfo, JobStopper } from '../host-client.js';
import type { App, Release } from '../types.js';
import { randomHostPicker } from './host-picker.js';

const request = { app: { id: 'a' } as App, release: { id: 'r' } as Release };

function runner(url: string, alive: boolean) {
  return {
    url,
    pings: 0,
    async ping() {
      this.pings++;
      if (!alive) throw new Error('connection refused');
    },
    async addJob() {},
    async stopJob() {},
  };
}

describe('randomHostPicker', () => {
  it('picks among the hosts that answer, skipping dead ones and clients that cannot run jobs', async () => {
    const clients: Record<string, JobStopper> = {
      dead: runner('http://dead', false),
      stopper: { stopJob: async () => {} },
      alive: runner('http://alive', true),
    };
    const hosts: HostInfo[] = Object.keys(clients).map((id) => ({ id }));
    for (let seed = 0; seed < 20; seed++) {
      const pick = randomHostPicker({ hosts: async () => hosts, hostClientFor: (id) => clients[id]!, random: seededRandom(seed), clock: new ManualClock() });
      const picked = await pick(request);
      expect(picked.id).toBe('alive');
      expect(picked.client.url).toBe('http://alive');
    }
  });

  it('spreads jobs over the hosts (random order)', async () => {
    const hosts: HostInfo[] = [{ id: 'h1' }, { id: 'h2' }, { id: 'h3' }];
    const pick = randomHostPicker({ hosts: async () => hosts, hostClientFor: (id) => runner(`http://${id}`, true), random: seededRandom(7), clock: new ManualClock() });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await pick(request)).id);
    expect([...seen].sort()).toEqual(['h1', 'h2', 'h3']);
  });

  it('answers 503 when there is no host, or none answers', async () => {
    const none = randomHostPicker({ hosts: async () => [], hostClientFor: () => runner('x', true), random: seededRandom(1) });
    await expect(none(request)).rejects.toMatchObject({ apiCode: 'service_unavailable', message: 'no hosts found' });
    const dead = randomHostPicker({ hosts: async () => [{ id: 'h1' }], hostClientFor: () => runner('x', false), random: seededRandom(1), clock: new ManualClock() });
    await expect(dead(request)).rejects.toMatchObject({ apiCode: 'service_unavailable', message: 'none of the 1 hosts answered' });
    const unknown = randomHostPicker({ hosts: async () => [{ id: 'h1' }], hostClientFor: () => Promise.reject(new Error('host h1 not found')), random: seededRandom(1) });
    await expect(unknown(request)).rejects.toMatchObject({ apiCode: 'service_unavailable' });
  });
});
