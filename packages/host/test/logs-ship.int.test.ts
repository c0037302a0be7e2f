/**
 * Shipping to a log receiver over real TCP, found through a real discovery
 * watch (DiscoveryClient over HTTP/SSE against an in-memory discoverd): every
 * line arrives once, in order, across a receiver restart.
 *
 * The receiver is a small syslog server of the test's own: it decodes RFC 6587
 * frames with our decoder, stores messages in memory and answers
 * `GET /cursors` with the last seq it stored per host, on its own HTTP port
 * (published as instance meta API_PORT, which the test's cursorsUrl uses).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { MemoryDiscovery, MemoryDiscoveryStore, serveMemoryDiscovery } from '@flynn-ts/discovery/testing';
import type { MemoryDiscoveryServer } from '@flynn-ts/discovery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceCursor } from '../src/logs/core/host-cursor.js';
import type { CursorMap } from '../src/logs/core/host-cursor.js';
import { fromSyslogMessage } from '../src/logs/core/log-message.js';
import { parseRfc5424 } from '../src/logs/core/rfc5424.js';
import { FrameDecoder } from '../src/logs/core/rfc6587.js';
import { FileLogManager } from '../src/logs/file-log-manager.js';
import type { FileLogManagerOptions } from '../src/logs/file-log-manager.js';

interface Received {
  seq: number;
  host: string;
  message: string;
}

/** A syslog receiver that can be stopped and started again on the same ports, keeping what it stored. */
class TestReceiver {
  stored: Received[] = [];
  cursors: CursorMap = {};
  errors: string[] = [];
  connections = 0;
  private tcp: TcpServer | undefined;
  private http: HttpServer | undefined;
  private sockets = new Set<Socket>();
  private paused = false;
  tcpPort = 0;
  httpPort = 0;

  async start(): Promise<void> {
    this.http = createHttpServer((req, res) => {
      if (req.method === 'GET' && req.url === '/cursors') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.cursors));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'not_found', message: 'not found' }));
      }
    });
    this.tcp = createTcpServer((socket) => this.accept(socket));
    this.httpPort = await listen(this.http, this.httpPort);
    this.tcpPort = await listen(this.tcp, this.tcpPort);
  }

  /**
   * The receiver dies: listeners closed, connections destroyed (whatever is in
   * flight is lost), and the last `forget` stored messages are lost too, as if
   * they were still in its buffers.
   */
  async stop(forget: number): Promise<void> {
    const closing = [close(this.tcp!), close(this.http!)];
    for (const s of this.sockets) s.destroy();
    this.http!.closeAllConnections();
    await Promise.all(closing);
    this.stored.splice(this.stored.length - forget, forget);
    this.cursors = {};
    for (const r of this.stored) advanceCursor(this.cursors, r.host, r.seq, '');
  }

  /** Stops reading from its connections (a slow receiver): the host's writes back up. */
  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.pause();
  }

  resume(): void {
    this.paused = false;
    for (const s of this.sockets) s.resume();
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    if (this.paused) socket.pause();
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        try {
          const { line, seq, hostId } = fromSyslogMessage(parseRfc5424(frame));
          this.stored.push({ seq, host: hostId ?? '', message: line.message.slice(0, 40) });
          advanceCursor(this.cursors, hostId ?? '', seq, '');
        } catch (err) {
          this.errors.push(String(err));
        }
      }
      if (decoder.error) {
        this.errors.push(decoder.error.message);
        socket.destroy();
      }
    });
  }
}

function listen(server: TcpServer | HttpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

function close(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('shipping logs to a logaggregator', () => {
  let dir: string;
  let store: MemoryDiscoveryStore;
  let discoverd: MemoryDiscoveryServer;
  let receiverSide: MemoryDiscovery;
  let hostSide: DiscoveryClient;
  const receiver = new TestReceiver();
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
      shipping: {
        cursorsUrl: (r) => `http://127.0.0.1:${r.meta?.API_PORT}/cursors`,
        backoff: { initialMs: 20, maxMs: 200 },
      },
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
