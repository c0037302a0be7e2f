import { ManualClock } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { discoveryLogAggregators } from '../logs/discovery-log-aggregators.js';
import { DiscoveryHosts } from './discovery-hosts.js';
import { HttpHostClient } from './http-host-client.js';

describe('hosts and log aggregators from discovery', () => {
  let discovery: MemoryDiscovery;
  afterEach(async () => {
    await discovery?.close();
  });

  it('lists flynn-host instances with an id that are not shutting down; one client per host', async () => {
    discovery = new MemoryDiscovery({ clock: new ManualClock(), expiryIntervalMs: 0 });
    await discovery.register('flynn-host', '10.0.0.1:1113', { id: 'host1', 'tag:disk': 'ssd' });
    await discovery.register('flynn-host', '10.0.0.2:1113', { id: 'host2', shutdown: 'true' });
    await discovery.register('flynn-host', '10.0.0.3:1113', {});
    const hosts = new DiscoveryHosts(discovery);
    expect(await hosts.hosts()).toEqual([{ id: 'host1', url: 'http://10.0.0.1:1113', tags: { disk: 'ssd' } }]);
    const client = await hosts.clientFor('host1');
    expect(client).toBeInstanceOf(HttpHostClient);
    expect((client as HttpHostClient).url).toBe('http://10.0.0.1:1113');
    expect(await hosts.clientFor('host1')).toBe(client);
    // A shutting-down host's jobs can still be stopped.
    expect(((await hosts.clientFor('host2')) as HttpHostClient).url).toBe('http://10.0.0.2:1113');
    await expect(hosts.clientFor('nope')).rejects.toMatchObject({ apiCode: 'not_found', message: 'host nope not found' });
    await hosts.close();
  });

  it('finds the aggregator APIs as @flynn-ts/logaggregator registers them (syslog addr + API_PORT meta)', async () => {
    discovery = new MemoryDiscovery({ clock: new ManualClock(), expiryIntervalMs: 0 });
    await discovery.register('logaggregator', '10.0.0.5:514', { API_PORT: '5000' });
    await discovery.register('logaggregator', '10.0.0.6:514');
    await discovery.register('logaggregator', '[fd00::1]:514', { API_PORT: '81' });
    expect(await discoveryLogAggregators(discovery)()).toEqual(['http://10.0.0.5:5000', 'http://10.0.0.6:80', 'http://[fd00::1]:81']);
  });
});
