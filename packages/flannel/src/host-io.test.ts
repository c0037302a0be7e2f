import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { networkInfo } from './core/network-info.js';
import { hostNetworkBody, nameserversOf, notifyHost } from './host-notify.js';
import { readSubnetFile, writeSubnetFile } from './subnet-file.js';

const info = networkInfo('100.100.0.0/16', '100.100.23.0/24', 1450, '192.168.250.1');

describe('subnet file', () => {
  it('writes flannel subnet.env atomically and reads the subnet back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flannel-'));
    try {
      const path = join(dir, 'run/flannel/subnet.env');
      expect(await readSubnetFile(path)).toBeUndefined();
      await writeSubnetFile(path, info);
      expect(await readFile(path, 'utf8')).toContain('FLANNEL_SUBNET=100.100.23.1/24\nFLANNEL_MTU=1450\n');
      expect(await readSubnetFile(path)).toBe('100.100.23.0/24');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('host notification', () => {
  it('POSTs {job_id, subnet, mtu, resolvers} as the original flannel did, retrying until the host answers', async () => {
    const clock = new ManualClock(0);
    const calls: Array<{ url: string; body: unknown }> = [];
    const fetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init.body)) });
      return new Response('{}', { status: calls.length < 3 ? 503 : 200 });
    }) as typeof globalThis.fetch;
    const done = notifyHost('http://10.0.0.1:1113/host/network', info, { fetch, clock, random: seededRandom(1), jobId: 'h1-job', resolvers: ['10.0.0.2'] });
    await clock.advanceAsync(10_000);
    await done;
    expect(calls).toHaveLength(3);
    expect(calls[2]).toEqual({ url: 'http://10.0.0.1:1113/host/network', body: { subnet: '100.100.23.1/24', mtu: 1450, job_id: 'h1-job', resolvers: ['10.0.0.2'] } });
  });

  it('gives up with FLYNN_FLANNEL_NOTIFY', async () => {
    const clock = new ManualClock(0);
    const fetch = (async () => new Response('no', { status: 500 })) as typeof globalThis.fetch;
    const done = notifyHost('http://h/host/network', info, { fetch, clock, random: seededRandom(1), attempts: 2 });
    const settled = done.catch((e: unknown) => e);
    await clock.advanceAsync(10_000);
    expect(await settled).toMatchObject({ code: 'FLYNN_FLANNEL_NOTIFY' });
  });

  it('reads nameservers from resolv.conf', () => {
    expect(nameserversOf('# x\nsearch a\nnameserver 10.0.0.2\nnameserver  1.1.1.1 \n')).toEqual(['10.0.0.2', '1.1.1.1']);
    expect(hostNetworkBody(info)).toEqual({ subnet: '100.100.23.1/24', mtu: 1450 });
  });
});
