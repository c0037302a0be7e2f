import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from './job-store.js';
import { FileJobStore } from './job-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flynn-host-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (id: string, cursor?: string): JobRecord => ({
  v: 1,
  active: { job: { id, config: { args: ['x'] } }, host_id: 'h', status: 'running', created_at: '2024-01-01T00:00:00.000Z' },
  ...(cursor ? { cursor } : {}),
});

describe('FileJobStore', () => {
  it('saves, loads and removes job records; keeps the newest of concurrent saves', async () => {
    const s = new FileJobStore(dir);
    await s.init();
    await Promise.all([s.save(rec('a', '1')), s.save(rec('a', '2')), s.save(rec('a', '3')), s.save(rec('b'))]);
    const loaded = await new FileJobStore(dir).loadAll();
    expect(loaded.map((r) => [r.active.job.id, r.cursor]).sort()).toEqual([
      ['a', '3'],
      ['b', undefined],
    ]);
    await s.remove('a');
    expect((await s.loadAll()).map((r) => r.active.job.id)).toEqual(['b']);
    expect((await readdir(join(dir, 'jobs'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('skips unreadable records and removes leftover temp files', async () => {
    const s = new FileJobStore(dir);
    await s.init();
    await s.save(rec('ok'));
    await writeFile(join(dir, 'jobs', 'bad.json'), '{"v":1,');
    await writeFile(join(dir, 'jobs', '.ok.json.1.2.tmp'), 'half');
    expect((await s.loadAll()).map((r) => r.active.job.id)).toEqual(['ok']);
    expect(await readdir(join(dir, 'jobs'))).not.toContain('.ok.json.1.2.tmp');
  });

  it('persists host state', async () => {
    const s = new FileJobStore(dir);
    await s.init();
    expect(await s.loadHostState()).toEqual({ v: 1 });
    await s.saveHostState({ v: 1, bootId: 'b', tags: { a: '1' } });
    expect(JSON.parse(await readFile(join(dir, 'host.json'), 'utf8'))).toEqual({ v: 1, bootId: 'b', tags: { a: '1' } });
    expect(await new FileJobStore(dir).loadHostState()).toEqual({ v: 1, bootId: 'b', tags: { a: '1' } });
  });

  it('staged saves: visible (renamed into place, readable) before durable; coalesced; failures reject both', async () => {
    const s = new FileJobStore(dir);
    await s.init();
    const order: string[] = [];
    const first = s.saveStaged(rec('st', '1'));
    const second = s.saveStaged(rec('st', '2'));
    const watch = (w: { visible: Promise<void>; durable: Promise<void> }, n: string) =>
      Promise.all([w.visible.then(() => order.push(`visible${n}`)), w.durable.then(() => order.push(`durable${n}`))]);
    const v1 = first.visible.then(async () => JSON.parse(await readFile(join(dir, 'jobs', 'st.json'), 'utf8')) as JobRecord);
    await Promise.all([watch(first, '1'), watch(second, '2')]);
    expect((await v1).cursor).toBe('1');
    expect(order.indexOf('visible1')).toBeLessThan(order.indexOf('durable1'));
    expect(order.indexOf('visible2')).toBeLessThan(order.indexOf('durable2'));
    expect((await new FileJobStore(dir).loadAll()).find((r) => r.active.job.id === 'st')?.cursor).toBe('2');

    // A removal supersedes a pending write: its waiters do not hang.
    const pending = [s.saveStaged(rec('gone', '1')), s.saveStaged(rec('gone', '2'))];
    await s.remove('gone');
    await Promise.all(pending.map((p) => p.visible));
    expect((await s.loadAll()).map((r) => r.active.job.id)).not.toContain('gone');

    const broken = new FileJobStore(join(dir, 'missing'));
    const w = broken.saveStaged(rec('x'));
    await expect(w.visible).rejects.toThrow(/ENOENT/);
    await expect(w.durable).rejects.toThrow(/ENOENT/);
  });
});
