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
});
