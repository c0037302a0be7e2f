import { describe, expect, it } from 'vitest';
import { orphanedNetworks } from './orphaned-networks.js';

describe('orphanedNetworks', () => {
  it('keeps allocations of jobs that will release them and returns the rest in order', () => {
    const owners = [
      { id: 'running', network: true, cleanedUp: false },
      { id: 'exited-not-cleaned', network: true, cleanedUp: false },
      { id: 'cleaned', network: true, cleanedUp: true },
      { id: 'host-net', network: false, cleanedUp: false },
    ];
    expect(orphanedNetworks(['unknown', 'running', 'cleaned', 'exited-not-cleaned', 'host-net'], owners)).toEqual(['unknown', 'cleaned', 'host-net']);
  });

  it('returns nothing when nothing is allocated, everything when no job is known', () => {
    expect(orphanedNetworks([], [{ id: 'a', network: true, cleanedUp: false }])).toEqual([]);
    expect(orphanedNetworks(['a', 'b'], [])).toEqual(['a', 'b']);
  });
});
