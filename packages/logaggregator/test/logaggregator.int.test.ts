/**
 * Two real log aggregators (syslog over TCP, HTTP API) fed by the real host
 * shipper (`FileLogManager` from @flynn-ts/host: per-app files, RFC 6587
 * octet-counted RFC 5424, `GET /cursors` on every connect), the instances
 * found through discovery (MemoryDiscovery on one shared store).
 *
 * The scenario of issue #10 "Logs": 10,000 lines across the restart of one
 * aggregator; the restarted one refills from the other and takes the rest;
 * both serve all 10,000 lines in order, none lost or duplicated. Lines of a
 * host that is gone by then reach the restarted instance only through the
 * refill, which proves the refill is what brings the past back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { MemoryDiscovery, MemoryDiscoveryStore } from '@flynn-ts/discovery/testing';
import { FileLogManager } from '@flynn-ts/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogAggregatorClient } from '../src/client/log-aggregator-client.js';
import type { LogMessage } from '../src/core/log-entry.js';
import { LogAggregator } from '../src/log-aggregator.js';

const APP = 'app1';
const TOTAL = 10_000;

describe('log aggregators fed by the host shipper', () => {
  let dir: string;
  let store: MemoryDiscoveryStore;
  const discoveries: MemoryDiscovery[] = [];
  let a: LogAggregator;
  let b: LogAggregator;
  let host: FileLogManager;
  const closers: (() => Promise<unknown>)[] = [];

  const discovery = () => {
    const d = new MemoryDiscovery({ store });
    discoveries.push(d);
    return d;
  };
  const startAggregator = (ports: { apiPort?: number; syslogPort?: number } = {}) =>
    LogAggregator.start({ discovery: discovery(), ...ports, refillTimeoutMs: 10_000 });
  const newHost = (hostId: string, logDir: string) =>
    new FileLogManager({
      dir: logDir,
      hostId,
      discovery: discovery(),
      flushMs: 20,
      shipping: {
        cursorsUrl: (r) => `http://127.0.0.1:${r.meta?.API_PORT}/cursors`,
        backoff: { initialMs: 20, maxMs: 200 },
      },
    });
  const write = (logs: FileLogManager, appId: string, from: number, to: number) => {
    for (let i = from; i <= to; i++) logs.write({ jobId: `${logs.hostId}-job1`, appId, processType: 'web', stream: 'stdout', message: `line ${i}`, time: Date.now() });
  };
  const cursorOf = async (agg: LogAggregator, hostId: string) => ((await (await fetch(`${agg.apiUrl}/cursors`)).json()) as Record<string, { seq: number }>)[hostId]?.seq;
  const allLines = async (agg: LogAggregator, appId: string) => {
    const res = await fetch(`${agg.apiUrl}/log/${appId}?lines=10000`);
    expect(res.status).toBe(200);
    return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogMessage);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `flynn-logagg-${process.pid}-`));
    store = new MemoryDiscoveryStore();
    a = await startAggregator();
    b = await startAggregator();
    host = newHost('host-a', join(dir, 'host-a'));
  });

  afterAll(async () => {
    await host?.close();
    for (const c of closers) await c().catch(() => undefined);
    await a?.close();
    await b?.close();
    for (const d of discoveries) await d.close();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('delivers 10,000 lines to both across the restart of one, none lost or duplicated', async () => {
    // A host that sends 100 lines and goes away: its lines can only come back through a snapshot.
    const gone = newHost('host-gone', join(dir, 'host-gone'));
    write(gone, 'app2', 1, 100);
    await gone.flush();
    await waitFor(async () => (await cursorOf(a, 'host-gone')) === gone.cursor && (await cursorOf(b, 'host-gone')) === gone.cursor, { timeoutMs: 30_000, what: 'host-gone lines at both' });
    await gone.close();

    write(host, APP, 1, 5_000);
    await host.flush();
    await waitFor(async () => (await cursorOf(a, 'host-a')) === host.cursor && (await cursorOf(b, 'host-a')) === host.cursor, { timeoutMs: 30_000, what: 'the first 5,000 lines at both' });

    let written = 5_000;
    const writer = (async () => {
      while (written < TOTAL) {
        write(host, APP, written + 1, written + 100);
        written += 100;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    // Restart b while lines are flowing.
    await waitFor(() => b.stats().stored >= 6_100, { timeoutMs: 30_000, what: 'b taking the second half' });
    const ports = { apiPort: b.apiPort, syslogPort: b.syslogPort };
    const storedByOldB = b.stats().stored;
    await b.close();
    b = await startAggregator(ports);
    await writer;
    await host.flush();
    await waitFor(async () => (await cursorOf(a, 'host-a')) === host.cursor && (await cursorOf(b, 'host-a')) === host.cursor, { timeoutMs: 30_000, what: 'every line at both' });

    const expected = Array.from({ length: TOTAL }, (_, i) => `line ${i + 1}`);
    for (const agg of [a, b]) {
      const got = await allLines(agg, APP);
      expect(got.length).toBe(TOTAL);
      expect(got.map((m) => m.msg)).toEqual(expected);
      expect(got[0]).toMatchObject({ host_id: 'host-a', job_id: 'host-a-job1', process_type: 'web', source: 'app', stream: 'stdout' });
      expect((await allLines(agg, 'app2')).map((m) => m.msg)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i + 1}`));
    }
    // The new b got the past from a's snapshot and only the rest from the host.
    const stats = b.stats();
    expect(stats.refilled).toBeGreaterThanOrEqual(storedByOldB);
    expect(stats.stored + stats.refilled).toBe(TOTAL + 100);
    expect(stats.badFrames + stats.badMessages).toBe(0);
    expect(a.stats().badFrames + a.stats().badMessages).toBe(0);
  });

  it('the client reads the same lines, filtered, and follows new ones as they come', async () => {
    const client = new LogAggregatorClient({ url: [b.apiUrl, a.apiUrl] });
    closers.push(() => client.close());
    const last = [];
    for await (const m of client.read(APP, { lines: 3 })) last.push(m.msg);
    expect(last).toEqual(['line 9998', 'line 9999', 'line 10000']);
    const none = [];
    for await (const m of client.read(APP, { lines: 3, streamTypes: ['stderr'] })) none.push(m);
    expect(none).toEqual([]);

    const ctl = new AbortController();
    const got: string[] = [];
    const following = (async () => {
      for await (const m of client.read('app3', { follow: true, signal: ctl.signal })) {
        got.push(m.msg ?? '');
        if (got.length === 300) ctl.abort();
      }
    })();
    // The follower is subscribed once b has it; then lines flow.
    await waitFor(() => b.store.stats().subscribers === 1, { what: 'the follower subscribed' });
    write(host, 'app3', 1, 300);
    await host.flush();
    await following;
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i + 1}`));
    await waitFor(() => b.store.stats().subscribers === 0, { what: 'the follower gone' });
  });

  it('a client given a dead URL first fails over to the next one', async () => {
    const dead = 'http://127.0.0.1:1';
    const client = new LogAggregatorClient({ url: [dead, a.apiUrl] });
    closers.push(() => client.close());
    expect(Object.keys(await client.cursors())).toContain('host-a');
    const lonely = new LogAggregatorClient({ url: dead });
    closers.push(() => lonely.close());
    await expect(lonely.cursors()).rejects.toMatchObject({ code: 'FLYNN_HTTP_CONNECTION' });
  });
});
