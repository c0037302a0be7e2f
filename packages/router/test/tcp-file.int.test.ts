/**
 * TCP routes (a listener per route port, bound when the route appears,
 * random backend, next one on a dial failure, half-close carried through)
 * and routes from a watched JSON file (changes and resyncs applied, a broken
 * file ignored).
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouter, FileRouteSource } from '../src/index.js';
import { checkRouteSource } from '../src/testing/index.js';
import type { Route } from '../src/index.js';
import { get, json, startBackend } from './helpers.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Echo server that upper-cases, and ends its side only after the client ended (half-close). */
async function shoutServer(): Promise<Server> {
  const s = createServer({ allowHalfOpen: true }, (c) => {
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => c.end(Buffer.concat(chunks).toString().toUpperCase()));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

function tcpExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let out = '';
    c.on('connect', () => c.end(text));
    c.on('data', (d: Buffer) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

describe('TCP routes', () => {
  it('binds the route port on demand, carries half-closed streams, skips dead backends, unbinds on removal', async () => {
    const shout = await shoutServer();
    const dead = await freePort();
    const tcpPort = await freePort();
    const router = createRouter({ routes: [], backends: { shout: [`127.0.0.1:${dead}`, `127.0.0.1:${(shout.address() as AddressInfo).port}`] } });
    await router.listen({ tcpHost: '127.0.0.1' });
    cleanup.push(() => router.close({ graceMs: 100 }));
    await expect(tcpExchange(tcpPort, 'x')).rejects.toThrow();
    router.setRoute({ type: 'tcp', id: 't', service: 'shout', port: tcpPort });
    await waitFor(async () => (await tcpExchange(tcpPort, 'hello').catch(() => '')) === 'HELLO', { what: 'TCP route' });
    for (let i = 0; i < 5; i++) expect(await tcpExchange(tcpPort, `n${i}`)).toBe(`N${i}`);
    const big = 'z'.repeat(1 << 20);
    expect(await tcpExchange(tcpPort, big)).toBe(big.toUpperCase());
    router.removeRoute('t');
    await waitFor(async () => (await tcpExchange(tcpPort, 'x').then(() => 'open', () => 'closed')) === 'closed', { what: 'listener closed' });
  });

  it('refuses TCP routes on 80/443', () => {
    const router = createRouter();
    expect(() => router.setRoute({ type: 'tcp', id: 't', service: 's', port: 443 })).toThrow(/443/);
  });
});

describe('routes file', () => {
  it('conforms to the RouteSource contract', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-file-conf-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'routes.json');
    let routes: Route[] = [];
    let source: FileRouteSource | undefined;
    const save = () => writeFile(file, JSON.stringify({ routes }));
    await checkRouteSource({
      create: async (initial) => {
        routes = initial;
        await save();
        return (source = new FileRouteSource(file, { debounceMs: 5 }));
      },
      set: (r) => {
        routes = [...routes.filter((x) => x.id !== r.id), r];
        return save();
      },
      remove: (id) => {
        routes = routes.filter((x) => x.id !== id);
        return save();
      },
      replace: (next) => {
        routes = next;
        return save();
      },
      close: () => source?.close(),
    });
  });

  it('applies edits, atomic replaces and resyncs; ignores a broken file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-file-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const a = await startBackend('a');
    const b = await startBackend('b');
    cleanup.push(() => a.close(), () => b.close());
    const file = join(dir, 'routes.json');
    const write = async (routes: Route[], atomic = false) => {
      const text = JSON.stringify({ routes, backends: { a: [a.addr], b: [b.addr] } });
      if (!atomic) return writeFile(file, text);
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    };
    await write([{ type: 'http', id: 'one', service: 'a', domain: 'one.test' }]);
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn: (f: Record<string, unknown>) => void logged.push(String(f.event)), error() {}, child: () => logger };
    const source = new FileRouteSource(file, { debounceMs: 10, logger });
    cleanup.push(() => source.close());
    const router = createRouter({ source, backends: source });
    const port = (await router.listen({ http: 0 })).http[0]!;
    cleanup.push(() => router.close({ graceMs: 100 }));
    expect(json(await get(port, '/', { Host: 'one.test' })).backend).toBe('a');

    await write([{ type: 'http', id: 'one', service: 'b', domain: 'one.test' }, { type: 'http', id: 'two', service: 'a', domain: 'two.test' }]);
    await waitFor(async () => (await get(port, '/', { Host: 'two.test' })).status === 200, { what: 'edit applied' });
    await waitFor(async () => json(await get(port, '/', { Host: 'one.test' })).backend === 'b', { what: 'route changed' });

    await write([{ type: 'http', id: 'two', service: 'a', domain: 'two.test' }], true);
    await waitFor(async () => (await get(port, '/', { Host: 'one.test' })).status === 404, { what: 'resync removed one' });

    await writeFile(file, '{ not json');
    await waitFor(() => logged.includes('routes_file_invalid'), { what: 'broken file read' });
    expect((await get(port, '/', { Host: 'two.test' })).status).toBe(200);
    await write([{ type: 'http', id: 'three', service: 'a', domain: 'three.test' }]);
    await waitFor(async () => (await get(port, '/', { Host: 'three.test' })).status === 200, { what: 'recovered after a broken file' });
    expect(router.routes().map((r) => r.id)).toEqual(['three']);
  });
});
