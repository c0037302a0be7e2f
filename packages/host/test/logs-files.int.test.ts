/**
 * FileLogManager on a real directory: the file format, batching, rotation,
 * tail and follow reads, restart, torn records.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../src/contracts.js';
import { FileLogManager } from '../src/logs/file-log-manager.js';
import type { FileLogManagerOptions } from '../src/logs/file-log-manager.js';

const APP = '0a1b2c3d-4e5f-4061-8273-948596a7b8c9';
const OTHER = 'ffffffff-0000-4000-8000-000000000000';
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 600);

let dir: string;
const managers: FileLogManager[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), `flynn-logs-${process.pid}-`));
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
  await rm(dir, { recursive: true, force: true });
});

function manager(options: Partial<FileLogManagerOptions> = {}): FileLogManager {
  const m = new FileLogManager({ dir, hostId: 'host1', ...options });
  managers.push(m);
  return m;
}

function line(i: number, patch: Partial<LogLine> = {}): LogLine {
  return { jobId: `host1-job${i % 2}`, appId: APP, processType: 'web', stream: i % 3 === 0 ? 'stderr' : 'stdout', message: `line ${i}`, time: T0 + i, ...patch };
}

async function collect(it: AsyncIterable<LogLine>, max = Infinity): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) {
    out.push(l);
    if (out.length >= max) break;
  }
  return out;
}

describe('FileLogManager files', () => {
  it('writes one octet-counted RFC 5424 record per line to the app file, flushing by itself', async () => {
    const m = manager({ flushMs: 20 });
    m.write(line(1));
    m.write({ jobId: 'j9', appId: OTHER, stream: 'init', message: 'starting', time: T0 });
    const text = await waitFor(async () => (await readFile(join(dir, `${APP}.log`), 'utf8').catch(() => '')) || undefined, { what: 'the flush' });
    const [, len, msg, seq] = /^(\d+) (<0>1 \S+ \S+ \S+ \S+ \S+ \[flynn seq="(\d+)"\] line 1)\n$/.exec(text) ?? [];
    expect(msg).toBe(`<0>1 2024-01-02T03:04:05.601Z host1 ${APP} web.host1-job1 ID1 [flynn seq="${seq}"] line 1`);
    expect(Number(len)).toBe(Buffer.byteLength(msg!));
    expect(await readFile(join(dir, `${OTHER}.log`), 'utf8')).toMatch(/^\d+ <0>1 2024-01-02T03:04:05\.600Z host1 ffffffff-0000-4000-8000-000000000000 j9 ID3 \[flynn seq="\d+"\] starting\n$/);
  });

  it('reads everything, a tail, and one job, in order', async () => {
    const m = manager();
    for (let i = 1; i <= 50; i++) m.write(line(i));
    m.write(line(99, { appId: OTHER }));
    await m.flush();
    const all = await collect(m.read({ appId: APP }));
    expect(all.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i + 1}`));
    expect(all[2]).toEqual(line(3));
    expect((await collect(m.read({ appId: APP }, { lines: 3 }))).map((l) => l.message)).toEqual(['line 48', 'line 49', 'line 50']);
    const job0 = await collect(m.read({ appId: APP, jobId: 'host1-job0' }, { lines: 2 }));
    expect(job0.map((l) => l.message)).toEqual(['line 48', 'line 50']);
    expect(await collect(m.read({ appId: 'nope' }))).toEqual([]);
    expect(await collect(m.read({ appId: APP }, { lines: 0 }))).toEqual([]);
  });

  it('splits long lines and multi-line messages instead of dropping them', async () => {
    const m = manager({ maxLineBytes: 1000 });
    const long = 'é'.repeat(1200); // 2400 octets
    m.write(line(1, { message: long }));
    m.write(line(2, { message: 'a\nb\n' }));
    await m.flush();
    const got = (await collect(m.read({ appId: APP }))).map((l) => l.message);
    expect(got.slice(0, 3).map((s) => Buffer.byteLength(s))).toEqual([1000, 1000, 400]);
    expect(got.slice(0, 3).join('')).toBe(long);
    expect(got.slice(3)).toEqual(['a', 'b']);
  });

  it('rotates at maxFileBytes keeping `backups` files, never splitting a record', async () => {
    const m = manager({ maxFileBytes: 4096, backups: 1 });
    for (let i = 1; i <= 400; i++) m.write(line(i));
    await m.flush();
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([`${APP}.log`, `${APP}.log.1`]);
    for (const n of names) {
      expect((await stat(join(dir, n))).size).toBeLessThanOrEqual(4096);
      expect(await readFile(join(dir, n), 'utf8')).toMatch(/^(\d+ <0>1 [^\n]*\n)+$/);
    }
    const kept = (await collect(m.read({ appId: APP }))).map((l) => Number(l.message.slice(5)));
    expect(kept.length).toBeGreaterThan(20);
    expect(kept[kept.length - 1]).toBe(400);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 401 - kept.length + i));

    const m2 = manager({ maxFileBytes: 4096, backups: 3 });
    for (let i = 1; i <= 400; i++) m2.write(line(i, { appId: OTHER }));
    await m2.flush();
    expect((await readdir(dir)).filter((n) => n.startsWith(OTHER)).sort()).toEqual([`${OTHER}.log`, `${OTHER}.log.1`, `${OTHER}.log.2`, `${OTHER}.log.3`]);
  });

  it('tails then follows live lines until the signal aborts', async () => {
    const m = manager({ flushMs: 5 });
    for (let i = 1; i <= 10; i++) m.write(line(i));
    await m.flush();
    const ctl = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const l of m.read({ appId: APP, jobId: 'host1-job1' }, { lines: 2, follow: true, signal: ctl.signal })) {
        got.push(l.message);
        if (got.length === 5) ctl.abort();
      }
    })();
    await waitFor(() => got.length === 2);
    for (let i = 11; i <= 20; i++) m.write(line(i));
    m.write(line(21, { appId: OTHER }));
    await reading; // ends normally on abort
    expect(got).toEqual(['line 7', 'line 9', 'line 11', 'line 13', 'line 15']);
  });

  it('a follower that falls behind catches up from the files without losing or repeating lines', async () => {
    const m = manager({ maxBufferedRecords: 5, maxPendingLines: 7 });
    const ctl = new AbortController();
    const it = m.read({ appId: APP }, { lines: 0, follow: true, signal: ctl.signal })[Symbol.asyncIterator]();
    const first = it.next(); // subscribes
    m.write(line(1));
    await m.flush();
    expect((await first).value.message).toBe('line 1');
    for (let i = 2; i <= 300; i++) m.write(line(i)); // many flushes of 7 while the reader is paused
    await m.flush();
    const rest: number[] = [];
    while (rest.length < 299) rest.push(Number((await it.next()).value.message.slice(5)));
    ctl.abort();
    expect(rest).toEqual(Array.from({ length: 299 }, (_, i) => i + 2));
    expect((await it.next()).done).toBe(true);
  });

  it('continues the sequence after a restart and skips a record torn by a crash', async () => {
    const m = manager();
    for (let i = 1; i <= 5; i++) m.write(line(i));
    await m.flush();
    const before = m.cursor;
    await m.close();
    await appendFile(join(dir, `${APP}.log`), '120 <0>1 2024-01-02T03:04:05.600Z host1 app'); // torn: no LF, short
    const again = manager();
    again.write(line(6));
    await again.flush();
    expect(again.cursor).toBeGreaterThan(before);
    const got = await collect(again.read({ appId: APP }));
    expect(got.map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  });

  it('ignores writes after close and keeps the files closed', async () => {
    const m = manager();
    m.write(line(1));
    await m.close();
    m.write(line(2));
    await m.close();
    expect((await readFile(join(dir, `${APP}.log`), 'utf8')).split('\n').length).toBe(2);
  });
});
