/**
 * The host in service discovery: registered as `flynn-host` with meta `id`
 * and `tag:<k>=<v>`, tags updated by `POST /host/tags`, deregistered on close;
 * and a discovery connected later through `POST /host/discoverd`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostClient } from '../src/client/host-client.js';
import { startHost } from '../src/host.js';
import { FakeLogManager } from '../src/testing/fake-log-manager.js';
import { FakeRuntimeDriver } from '../src/testing/fake-runtime-driver.js';

let dir: string;
let discovery: MemoryDiscovery;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), `flynn-host-disc-${process.pid}-`));
  discovery = new MemoryDiscovery({ expiryIntervalMs: 0 });
});
afterEach(async () => {
  await discovery.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

const metaOf = async () => (await discovery.instances('flynn-host'))[0]?.meta;

describe('flynn-host in discovery', () => {
  it('registers with id and tag meta, follows tag updates, deregisters on close', async () => {
    const host = await startHost({ id: 'dischost', stateDir: dir, driver: new FakeRuntimeDriver(), port: 0, externalIp: '127.0.0.1', tags: { zone: 'a' }, discovery });
    await waitFor(async () => (await discovery.instances('flynn-host')).length === 1, { what: 'registered' });
    const [inst] = await discovery.instances('flynn-host');
    expect(inst!.addr).toBe(`127.0.0.1:${host.server.port}`);
    expect(inst!.meta).toEqual({ id: 'dischost', 'tag:zone': 'a' });
    const client = new HostClient({ url: host.url });
    await client.updateTags({ zone: 'b', disk: 'ssd' });
    await waitFor(async () => (await metaOf())?.['tag:disk'] === 'ssd', { what: 'meta updated' });
    expect(await metaOf()).toEqual({ id: 'dischost', 'tag:zone': 'b', 'tag:disk': 'ssd' });
    await client.close();
    await host.close();
    expect(await discovery.instances('flynn-host')).toEqual([]);
  });

  it('connects to discoverd when POST /host/discoverd reports it (and ships logs there), and persists the config', async () => {
    const urls: string[] = [];
    const shippedWith: unknown[] = [];
    const logs = Object.assign(new FakeLogManager(), { shipWith: (d: unknown) => shippedWith.push(d) });
    const options = {
      id: 'late',
      stateDir: dir,
      driver: new FakeRuntimeDriver(),
      logs,
      port: 0,
      connectDiscovery: (url: string) => {
        urls.push(url);
        return discovery;
      },
    };
    let host = await startHost(options);
    const client = new HostClient({ url: host.url });
    await client.configureDiscoverd({ url: 'http://127.0.0.1:1111', dns: '127.0.0.1:53', job_id: 'discoverd-job' });
    await waitFor(async () => (await discovery.instances('flynn-host')).length === 1, { what: 'registered after POST /host/discoverd' });
    expect(urls).toEqual(['http://127.0.0.1:1111']);
    expect(shippedWith).toEqual([discovery]);
    await client.close();
    await host.close();
    // A restarted host remembers discoverd (and registers again at once, and ships logs again).
    host = await startHost(options);
    expect(host.status().discoverd).toEqual({ url: 'http://127.0.0.1:1111', dns: '127.0.0.1:53', job_id: 'discoverd-job' });
    await waitFor(async () => (await discovery.instances('flynn-host')).length === 1, { what: 're-registered after restart' });
    expect(shippedWith).toEqual([discovery, discovery]);
    await host.close();
  });

  it('registers job ports that name a service, with health checks; discoverd-deregister removes them', async () => {
    const host = await startHost({ id: 'svchost', stateDir: dir, driver: new FakeRuntimeDriver(), port: 0, externalIp: '127.0.0.1', discovery });
    const client = new HostClient({ url: host.url });
    await client.addJob({
      id: 'svchost-web',
      config: { args: ['web'], env: { FLYNN_APP_ID: 'app1', FLYNN_JOB_ID: 'svchost-web' }, ports: [{ port: 0, proto: 'tcp', service: { name: 'web', create: true } }] },
    });
    await waitFor(async () => (await discovery.instances('web')).length === 1, { what: 'web registered' });
    expect((await discovery.instances('web'))[0]).toMatchObject({ addr: '127.0.0.1:5000', meta: { FLYNN_APP_ID: 'app1', FLYNN_JOB_ID: 'svchost-web' } });
    await client.discoverdDeregisterJob('svchost-web');
    expect(await discovery.instances('web')).toEqual([]);

    // A port with a tcp check is registered only while something listens on it.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await client.addJob({
      id: 'svchost-db',
      config: { args: ['db'], ports: [{ port, proto: 'tcp', service: { name: 'db', check: { type: 'tcp', interval: 50_000_000, threshold: 1 } } }] },
    });
    await waitFor(async () => (await discovery.instances('db')).length === 1, { what: 'db registered while healthy' });
    await new Promise<void>((r) => srv.close(() => r()));
    await waitFor(async () => (await discovery.instances('db')).length === 0, { what: 'db deregistered when its check fails' });
    await client.close();
    await host.close({ stopJobs: true });
  });
});
