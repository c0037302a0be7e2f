/**
 * HTTP/1.1 client sockets (plain and TLS) read into one buffer shared by all
 * connections (proxy/shared-read-accept.ts). Many connections send pipelined requests
 * with bodies in small interleaved fragments, so every read overwrites what
 * another connection's last read left in the buffer: a partial head, held
 * pipelined bytes or a body chunk not copied out of it would corrupt a
 * request. Every response must echo its own request's body digest, in order.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { seededRandom } from '@flynn-ts/core';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPlane } from '../src/data-plane.js';
import { Listeners } from '../src/listeners.js';
import { H1Connection } from '../src/proxy/h1-connection.js';
import { readsIntoSharedBuffer } from '../src/proxy/shared-read-accept.js';
import { makeCerts } from './certs.js';

let backend: Server;
let plane: DataPlane;
let listeners: Listeners;
let ports: { http: number; https: number };
let certs: ReturnType<typeof makeCerts>;

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

beforeAll(async () => {
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const out = `${req.url} ${body.length} ${digest(body)}`;
      res.writeHead(200, { 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  backend.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const bport = (backend.address() as AddressInfo).port;
  certs = makeCerts(['x.test']);
  plane = new DataPlane({ defaultPorts: [] });
  plane.apply({ op: 'route-set', route: { type: 'http', id: 'r', service: 's', domain: '*' } });
  plane.apply({ op: 'backends', service: 's', backends: [{ service: 's', addr: `127.0.0.1:${bport}` }] });
  const pair = certs.certs['x.test']!;
  listeners = new Listeners(plane, {
    host: '127.0.0.1',
    http: [{ port: 0, default: true }],
    https: [{ port: 0, default: true }],
    defaultCertificate: { cert: pair.cert, key: pair.key },
  });
  const bound = await listeners.bind();
  ports = { http: bound.http[0]!, https: bound.https[0]! };
});

afterAll(async () => {
  await listeners?.close(1_000);
  backend?.closeAllConnections();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  certs?.remove();
});

interface Expected {
  url: string;
  length: number;
  digest: string;
}

/** Pipelined requests (GET, fixed-length POST, chunked POST) as one byte stream, with what each response must say. */
function script(conn: number, random: ReturnType<typeof seededRandom>): { bytes: Buffer; expected: Expected[] } {
  const parts: Buffer[] = [];
  const expected: Expected[] = [];
  for (let i = 0; i < 6; i++) {
    const url = `/c${conn}/r${i}`;
    // Some connections start with a body: it is held while the backend connection is dialled.
    const kind = (i + conn) % 3;
    const body = Buffer.alloc(kind === 0 ? 0 : random.between(1, 20_000));
    for (let j = 0; j < body.length; j++) body[j] = random.int(256);
    if (kind === 0) parts.push(Buffer.from(`GET ${url} HTTP/1.1\r\nHost: x.test\r\nX-Pad: ${'p'.repeat(random.int(300))}\r\n\r\n`));
    else if (kind === 1) parts.push(Buffer.from(`POST ${url} HTTP/1.1\r\nHost: x.test\r\nContent-Length: ${body.length}\r\n\r\n`), body);
    else {
      parts.push(Buffer.from(`POST ${url} HTTP/1.1\r\nHost: x.test\r\nTransfer-Encoding: chunked\r\n\r\n`));
      const half = body.length >> 1;
      parts.push(Buffer.from(`${half.toString(16)}\r\n`), body.subarray(0, half), Buffer.from(`\r\n${(body.length - half).toString(16)}\r\n`), body.subarray(half), Buffer.from('\r\n0\r\n\r\n'));
    }
    expected.push({ url, length: body.length, digest: digest(body) });
  }
  return { bytes: Buffer.concat(parts), expected };
}

/** Sends `bytes` in random fragments (yielding between them), resolves with the bodies of `n` responses. */
function exchange(proto: 'http' | 'https', bytes: Buffer, n: number, random: ReturnType<typeof seededRandom>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s: Socket =
      proto === 'http'
        ? connect({ port: ports.http, host: '127.0.0.1', noDelay: true })
        : tlsConnect({ port: ports.https, host: '127.0.0.1', servername: 'x.test', ca: certs.certs['x.test']!.cert, ALPNProtocols: ['http/1.1'] });
    let got = Buffer.alloc(0);
    const bodies: string[] = [];
    s.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      for (;;) {
        const end = got.indexOf('\r\n\r\n');
        if (end === -1) return;
        const m = /content-length: (\d+)/i.exec(got.toString('latin1', 0, end));
        const len = m ? Number(m[1]) : 0;
        if (got.length < end + 4 + len) return;
        bodies.push(got.toString('latin1', end + 4, end + 4 + len));
        got = got.subarray(end + 4 + len);
        if (bodies.length === n) {
          s.destroy();
          resolve(bodies);
          return;
        }
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(bodies));
    s.on(proto === 'http' ? 'connect' : 'secureConnect', async () => {
      let pos = 0;
      while (pos < bytes.length && !s.destroyed) {
        const next = Math.min(bytes.length, pos + random.between(1, 3_000));
        s.write(bytes.subarray(pos, next));
        pos = next;
        await new Promise((r) => setImmediate(r));
      }
    });
  });
}

describe('shared read buffer for HTTP/1.1 clients', () => {
  it.each(['http', 'https'] as const)('keeps every connection’s heads, pipelined bytes and bodies intact across interleaved reads (%s)', async (proto) => {
    const random = seededRandom(7);
    const scripts = Array.from({ length: 16 }, (_, i) => script(i, random));
    const runs = scripts.map((sc, i) => exchange(proto, sc.bytes, sc.expected.length, seededRandom(100 + i)));
    // The data path really reads these sockets into the shared buffer.
    const h1 = await waitFor(() => {
      const open = [...plane.ctx.connections].filter((c): c is H1Connection => c instanceof H1Connection && (proto === 'https') === c.socket instanceof TLSSocket);
      return open.length > 0 ? open : undefined;
    });
    expect(h1.every((c) => readsIntoSharedBuffer(c.socket))).toBe(true);
    const results = await Promise.all(runs);
    results.forEach((bodies, i) => {
      expect(bodies).toEqual(scripts[i]!.expected.map((e) => `${e.url} ${e.length} ${e.digest}`));
    });
  });
});
