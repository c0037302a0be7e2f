/**
 * The host in service discovery: registered as `flynn-host` with meta `id`
 * and `tag:<k>=<v>`, tags updated by `POST /host/tags`, deregistered on close;
 * and a discovery connected later through `POST /host/discoverd`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostClient } from '../src/client/host-client.js';
import { startHost } from '../src/host.js';
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

  it('connects to discoverd when POST /host/discoverd reports it, and persists the config', async () => {
    const urls: string[] = [];
    const options = {
      id: 'late',
      stateDir: dir,
      driver: new FakeRuntimeDriver(),
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
    await client.close();
    await host.close();
    // A restarted host remembers discoverd (and registers again at once).
    host = await startHost(options);
    expect(host.status().discoverd).toEqual({ url: 'http://127.0.0.1:1111', dns: '127.0.0.1:53', job_id: 'discoverd-job' });
    await waitFor(async () => (await discovery.instances('flynn-host')).length === 1, { what: 're-registered after restart' });
    await host.close();
  });
});
