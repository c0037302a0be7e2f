import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlynnError } from '@flynn-ts/core';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VolumeManager } from './volume-manager.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flynn-host-vol-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manager = () => new VolumeManager({ dir, clock: new ManualClock(Date.UTC(2024, 0, 1)), random: seededRandom(7) });

describe('VolumeManager', () => {
  it('creates directory volumes that survive a restart, and destroys them', async () => {
    const vm = manager();
    await vm.init();
    const a = await vm.create({ meta: { 'flynn-controller.app': 'x' } });
    expect(a).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'data', meta: { 'flynn-controller.app': 'x' }, created_at: '2024-01-01T00:00:00.000Z' });
    const b = await vm.create({ id: 'named' });
    await writeFile(join(vm.path('named'), 'file'), 'data');
    const again = manager();
    await again.init();
    expect(again.list().map((v) => v.id).sort()).toEqual([a.id, 'named'].sort());
    expect(again.get('named')).toEqual(b);
    await again.destroy('named');
    await expect(stat(again.path('named'))).rejects.toThrow();
    expect(await readdir(join(dir, 'meta'))).toEqual([`${a.id}.json`]);
  });

  it('answers 404 for unknown volumes and 409 for a taken id', async () => {
    const vm = manager();
    await vm.init();
    await vm.create({ id: 'v' });
    const exists = await vm.create({ id: 'v' }).catch((e: unknown) => e);
    expect(FlynnError.is(exists) && exists.status).toBe(409);
    const missing = await vm.destroy('nope').catch((e: unknown) => e);
    expect(FlynnError.is(missing) && missing.status).toBe(404);
  });

  it('validates create bodies', () => {
    expect(VolumeManager.parseCreateInput(undefined)).toEqual({});
    expect(VolumeManager.parseCreateInput({ type: 'data', meta: { a: 'b' }, id: 'x' })).toEqual({ type: 'data', meta: { a: 'b' }, id: 'x' });
    for (const [body, field] of [
      [[], 'body'],
      [{ type: 'zfs' }, 'type'],
      [{ id: '../x' }, 'id'],
      [{ meta: { a: 1 } }, 'meta.a'],
    ] as const) {
      try {
        VolumeManager.parseCreateInput(body);
        throw new Error('expected an error');
      } catch (err) {
        expect((err as FlynnError).status).toBe(400);
        expect(((err as FlynnError).detail as { field: string }).field).toBe(field);
      }
    }
  });
});
