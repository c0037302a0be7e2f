/**
 * `startDiscoverd` inside this process (the embedding API): ephemeral ports
 * for HTTP and DNS, the `notify` webhook, the SDK against it, `close()`.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscoverd } from '../src/main.js';
import type { Discoverd } from '../src/main.js';
import { tempDir } from './daemon-harness.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let hook: Server;
const notified: unknown[] = [];
let d: Discoverd | undefined;

beforeAll(async () => {
  dir = await tempDir('discoverd-embedded-');
  hook = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      notified.push({ method: req.method, path: req.url, body: JSON.parse(body) as unknown });
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await d?.close();
  await new Promise<void>((r) => hook.close(() => r()));
  await dir?.remove();
});

describe('startDiscoverd (embedded)', () => {
  it('runs the whole server in-process on ephemeral ports, notifies, serves HTTP and DNS, and closes', async () => {
    const hookPort = (hook.address() as AddressInfo).port;
    d = await startDiscoverd({
      dataDir: dir.path,
      host: '127.0.0.1',
      addr: '127.0.0.1:0',
      dnsAddr: '127.0.0.1:0',
      ttlMs: 2_000,
      notify: `http://127.0.0.1:${hookPort}/host/discoverd`,
    });
    expect(d.node.role).toBe('member');
    expect(d.address).toBe(`127.0.0.1:${d.http.port}`);
    const dns = d.dns!.udpAddress!;

    await waitFor(() => notified.length === 1, { timeoutMs: 15_000, what: 'notify' });
    expect(notified[0]).toEqual({ method: 'POST', path: '/host/discoverd', body: { url: d.url, dns: `127.0.0.1:${dns.port}` } });

    const client = new DiscoveryClient({ servers: [d.url] });
    const hb = await client.register('embedded', '10.7.0.1:80', undefined, { heartbeatMs: 500 });
    const resolver = new Resolver({ timeout: 2_000, tries: 2 });
    resolver.setServers([`127.0.0.1:${dns.port}`]);
    expect(await resolver.resolve4('embedded.discoverd')).toEqual(['10.7.0.1']);
    await waitFor(async () => (await client.instances('discoverd')).some((i) => i.addr === d!.address), { what: 'self registration' });
    await hb.close();
    await client.close();

    await d.close();
    await d.stopped;
    expect(d.node.role).toBe('stopped');
    await expect(fetch(`${d.url}/ping`)).rejects.toThrow();
    d = undefined;
  });

  it('with dnsWorkers, worker processes answer UDP (Node resolver) and close() stops them', async () => {
    const workersDir = await tempDir('discoverd-embedded-workers-');
    const w = await startDiscoverd({ dataDir: workersDir.path, host: '127.0.0.1', addr: '127.0.0.1:0', dnsAddr: '127.0.0.1:0', dnsWorkers: 1, ttlMs: 2_000 });
    try {
      expect(w.dnsWorkers?.pids).toHaveLength(1);
      const pid = w.dnsWorkers!.pids[0]!;
      const client = new DiscoveryClient({ servers: [w.url] });
      const hb = await client.register('embedded-w', '10.7.1.1:80', undefined, { heartbeatMs: 500 });
      const resolver = new Resolver({ timeout: 2_000, tries: 2 });
      resolver.setServers([`127.0.0.1:${w.dnsAddress!.port}`]);
      await waitFor(async () => (await resolver.resolve4('embedded-w.discoverd').catch(() => [])).join() === '10.7.1.1', { what: 'an answer from the worker' });
      await hb.close();
      await client.close();
      await w.close();
      expect(w.dnsWorkers!.pids).toEqual([]);
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      await w.close();
      await workersDir.remove();
    }
  });
});
