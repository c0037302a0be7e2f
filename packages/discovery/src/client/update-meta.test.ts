import { describe, expect, it } from 'vitest';
import type { ServiceMeta } from '../core/types.js';
import { MetaStaleError } from './errors.js';
import type { SetMetaInput } from './service-discovery.js';
import { updateMeta } from './update-meta.js';

/** A meta store where another writer sneaks in a write before each of ours, `races` times. */
function racyStore(races: number) {
  let meta: ServiceMeta | undefined = { data: 0, index: 1 };
  const writes: SetMetaInput[] = [];
  return {
    writes,
    getMeta: async () => meta,
    setMeta: async (_s: string, w: SetMetaInput) => {
      writes.push(w);
      if (races-- > 0) {
        meta = { data: 100, index: meta!.index + 1 };
        throw new MetaStaleError('stale');
      }
      meta = { data: w.data, index: meta!.index + 1 };
      return meta;
    },
  };
}

describe('updateMeta', () => {
  it('re-reads and retries on CAS conflicts, passing leaderId along', async () => {
    const store = racyStore(2);
    const out = await updateMeta(store, 's', (m) => (m?.data as number) + 1, { leaderId: 'abc' });
    expect(out).toEqual({ data: 101, index: 4 });
    expect(store.writes.map((w) => [w.data, w.index, w.leaderId])).toEqual([
      [1, 1, 'abc'],
      [101, 2, 'abc'],
      [101, 3, 'abc'],
    ]);
  });

  it('throws the last conflict once retries run out, and other errors at once', async () => {
    await expect(updateMeta(racyStore(5), 's', () => 1, { retries: 2 })).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_META_STALE' });
    const broken = { getMeta: async () => undefined, setMeta: async () => Promise.reject(new Error('boom')) };
    await expect(updateMeta(broken, 's', () => 1)).rejects.toThrow('boom');
  });

  it('writes with index 0 when there is no meta, and skips the write when fn returns undefined', async () => {
    const writes: SetMetaInput[] = [];
    const empty = { getMeta: async () => undefined, setMeta: async (_s: string, w: SetMetaInput) => (writes.push(w), { data: w.data, index: 7 }) };
    expect(await updateMeta(empty, 's', () => 'x')).toEqual({ data: 'x', index: 7 });
    expect(writes[0]?.index).toBe(0);
    expect(await updateMeta(empty, 's', () => undefined)).toBeUndefined();
    expect(writes).toHaveLength(1);
  });
});
