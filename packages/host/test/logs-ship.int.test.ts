/**
 * Shipping to a log receiver over real TCP, found through a real discovery
 * watch (DiscoveryClient over HTTP/SSE against an in-memory discoverd): every
 * line arrives once, in order, across a receiver restart.
 *
 * The receiver is a small syslog server of the test's own (./syslog-receiver.ts):
 * it decodes RFC 6587 frames with our decoder, stores messages in memory and
 * answers `GET /cursors` with the last seq it stored per host, on its own HTTP
 * port (published as instance meta API_PORT, which the shipper's default
 * cursors URL uses).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { MemoryDiscovery, MemoryDiscoveryStore, serveMemoryDiscovery } from '@flynn-ts/discovery/testing';
import type { MemoryDiscoveryServer } from '@flynn-ts/discovery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLogManager } from '../src/logs/file-log-manager.js';
import type { FileLogManagerOptions } from '../src/logs/file-log-manager.js';
import { TestReceiver } from './syslog-receiver.js';

describe('shipping logs to a logaggregator', () => {
  let dir: string;
  let store: MemoryDiscoveryStore;
  let discoverd: MemoryDiscoveryServer;
  let receiverSide: MemoryDiscovery;
  let hostSide: DiscoveryClient;
  const receiver = new TestReceiver({ maxMessageChars: 40 });
  let logs: FileLogManager;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `flynn-logship-${process.pid}-`));
    store = new MemoryDiscoveryStore();
    discoverd = await serveMemoryDiscovery(store);
    await receiver.start();
    receiverSide = new MemoryDiscovery({ store });
    await receiverSide.register('logaggregator', `127.0.0.1:${receiver.tcpPort}`, { API_PORT: String(receiver.httpPort) });
    hostSide = new DiscoveryClient({ servers: [discoverd.url] });
    logs = newManager(dir, 'host-it');
  });

  function newManager(logDir: string, hostId: string, options: Partial<FileLogManagerOptions> = {}): FileLogManager {
    return new FileLogManager({
      dir: logDir,
      hostId,
      discovery: hostSide,
      flushMs: 20,
      shipping: { backoff: { initialMs: 20, maxMs: 200 } },
      ...options,
    });
  }

  afterAll(async () => {
    await logs?.close();
    await hostSide?.close();
    await receiverSide?.close();
    await receiver.stop(0).catch(() => undefined);
    await discoverd?.close();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const write = (from: number, to: number) => {
    for (let i = from; i <= to; i++) logs.write({ jobId: 'host-it-job1', appId: 'app1', processType: 'web', stream: 'stdout', message: `line ${i}`, time: Date.now() });
  };
  const expectExactly = (n: number, host = 'host-it') => {
    expect(receiver.errors).toEqual([]);
    const mine = receiver.stored.filter((r) => r.host === host);
    const messages = mine.map((r) => r.message);
    expect(messages.length).toBe(n);
    expect(messages).toEqual(Array.from({ length: n }, (_, i) => `line ${i + 1}`));
    const seqs = mine.map((r) => r.seq);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  };

  it('delivers 10,000 lines in order', async () => {
    for (let k = 0; k < 10; k++) {
      write(k * 1000 + 1, (k + 1) * 1000);
      await new Promise((r) => setImmediate(r));
    }
    await logs.flush();
    await waitFor(() => receiver.cursors['host-it']?.seq === logs.cursor, { timeoutMs: 30_000, what: 'the last line at the receiver' });
    expectExactly(10_000);
    expect(logs.shipper!.status()).toMatchObject([{ addr: `127.0.0.1:${receiver.tcpPort}`, state: { kind: 'shipping' } }]);
  });

  it('loses and repeats nothing across a receiver restart', async () => {
    const connectionsBefore = receiver.connections;
    let written = 10_000;
    const writer = (async () => {
      while (written < 16_000) {
        write(written + 1, written + 200);
        written += 200;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // Stop mid-stream, while lines are flowing.
    await waitFor(() => receiver.stored.length >= 11_000, { timeoutMs: 30_000, what: 'the second batch flowing' });
    await receiver.stop(37);
    const storedAtStop = receiver.stored.length;
    await waitFor(() => written >= 13_000, { timeoutMs: 30_000 });
    expect(receiver.stored.length).toBe(storedAtStop); // nothing reached it while down
    await receiver.start();
    await writer;
    await logs.flush();
    // One connection sends strictly increasing seqs, so once the last one is in, anything repeated came before it.
    await waitFor(() => receiver.cursors['host-it']?.seq === logs.cursor, { timeoutMs: 30_000, what: 'the last line at the receiver' });
    expectExactly(16_000);
    expect(receiver.connections).toBeGreaterThan(connectionsBefore);
    expect(logs.shipper!.status()[0]).toMatchObject({ state: { kind: 'shipping', cursorFrom: 'receiver' } });
  });

  it('a restarted host daemon ships what was written while the receiver was down', async () => {
    await receiver.stop(0);
    write(16_001, 16_500);
    await logs.close();
    const last = logs.cursor;
    await receiver.start();
    logs = newManager(dir, 'host-it');
    await waitFor(() => receiver.cursors['host-it']?.seq === last, { timeoutMs: 30_000, what: 'the lines of the old daemon' });
    expectExactly(16_500);
  });

  it('a slow receiver gets everything once: a connection that falls behind catches up from the files', async () => {
    const slowDir = await mkdtemp(join(tmpdir(), `flynn-logship-slow-${process.pid}-`));
    const slow = newManager(slowDir, 'host-slow', { maxBufferedRecords: 50 });
    try {
      await waitFor(() => slow.shipper!.status()[0]?.state.kind === 'shipping', { what: 'the slow host connected' });
      receiver.pause();
      const big = 'x'.repeat(9_000);
      // More than the loopback socket buffers hold (up to ~36 MB here), so the host's writes really block.
      for (let i = 1; i <= 6_000; i++) {
        slow.write({ jobId: 'host-slow-job', appId: `app${i % 3}`, stream: 'stderr', message: `line ${i} ${big}`, time: Date.now() });
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      await slow.flush();
      receiver.resume();
      await waitFor(() => receiver.cursors['host-slow']?.seq === slow.cursor, { timeoutMs: 30_000, what: 'the slow receiver catching up' });
      const got = receiver.stored.filter((r) => r.host === 'host-slow').map((r) => r.message.slice(0, r.message.indexOf(' ', 5)));
      expect(got).toEqual(Array.from({ length: 6_000 }, (_, i) => `line ${i + 1}`));
    } finally {
      receiver.resume();
      await slow.close();
      await rm(slowDir, { recursive: true, force: true });
    }
  });
});
