import { FlynnError } from '@flynn-ts/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNetworkManager } from '../testing/fake-network-manager.js';
import { FakeRuntimeDriver } from '../testing/fake-runtime-driver.js';
import { VolumeManager } from '../volume/volume-manager.js';
import type { Harness } from './job-manager.test-helpers.js';
import { harness, job, kinds, until } from './job-manager.test-helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.manager.close();
  await h?.cleanup();
});

const statusOf = (id: string) => h.manager.get(id)?.status;

describe('JobManager lifecycle', () => {
  it('runs a job: create → start → stop with the exit status, logs each line, then cleanup', async () => {
    h = await harness();
    await h.manager.add(job('h1-a'));
    expect(statusOf('h1-a')).toBe('starting');
    await until(() => statusOf('h1-a') === 'running', 'running');
    const active = h.manager.get('h1-a')!;
    expect(active.pid).toBe(1000);
    expect(active.host_id).toBe('h1');
    expect(active.job.resources?.memory).toEqual({ request: 1024 ** 3, limit: 1024 ** 3 });
    const c = h.driver.container('h1-a');
    expect(c.spec.args).toEqual(['sleep', '100']);
    expect(c.spec.limits).toMatchObject({ memoryBytes: 1024 ** 3, cpuShares: 1024, maxFd: 10_000 });
    c.write('stdout', 'hello\nwor');
    c.write('stderr', 'oops\n');
    c.write('stdout', 'ld\nno newline');
    c.exit(0);
    await until(() => kinds(h.events, 'h1-a').includes('cleanup'), 'cleanup');
    expect(kinds(h.events, 'h1-a')).toEqual(['create', 'start', 'stop', 'cleanup']);
    expect(h.manager.get('h1-a')).toMatchObject({ status: 'done', exit_status: 0 });
    expect(h.logs.messages('h1-a', 'stdout')).toEqual(['hello', 'world', 'no newline']);
    expect(h.logs.messages('h1-a', 'stderr')).toEqual(['oops']);
    expect(h.logs.lines[0]).toMatchObject({ appId: 'h1-a', jobId: 'h1-a' });
    expect(h.driver.cleanups).toEqual(['h1-a']);
  });

  it('reports a non-zero exit as crashed and a start failure as failed with the error', async () => {
    h = await harness();
    await h.manager.add(job('h1-crash'));
    await until(() => statusOf('h1-crash') === 'running');
    h.driver.container('h1-crash').exit(3);
    await until(() => statusOf('h1-crash') === 'crashed');
    expect(h.manager.get('h1-crash')!.exit_status).toBe(3);

    h.driver.failNextStart = new Error('exec: "nope": executable file not found');
    await h.manager.add(job('h1-fail'));
    await until(() => statusOf('h1-fail') === 'failed');
    expect(h.manager.get('h1-fail')!.error).toBe('exec: "nope": executable file not found');
    await until(() => kinds(h.events, 'h1-fail').includes('cleanup'));
    expect(kinds(h.events, 'h1-fail')).toEqual(['create', 'error', 'cleanup']);
  });

  it('rejects duplicates (409) and too many concurrent starts (429, retry)', async () => {
    let open!: () => void;
    const driver = new FakeRuntimeDriver();
    driver.startGate = new Promise<void>((r) => (open = r));
    h = await harness({ driver, maxConcurrentStarts: 2 });
    await h.manager.add(job('h1-1'));
    await h.manager.add(job('h1-2'));
    const dup = await h.manager.add(job('h1-1')).catch((e: unknown) => e);
    expect(FlynnError.is(dup) && dup.status).toBe(409);
    const limited = await h.manager.add(job('h1-3')).catch((e: unknown) => e);
    expect(FlynnError.is(limited) && [limited.status, limited.apiCode, limited.retry]).toEqual([429, 'ratelimited', true]);
    expect(h.manager.get('h1-3')).toBeUndefined();
    open();
    await until(() => statusOf('h1-1') === 'running' && statusOf('h1-2') === 'running');
    await h.manager.add(job('h1-3'));
    await until(() => statusOf('h1-3') === 'running');
  });

  it('stop sends SIGTERM, then SIGKILL after the grace period', async () => {
    h = await harness({ driver: new FakeRuntimeDriver({ fatalSignals: [9] }), stopGraceMs: 30_000 });
    await h.manager.add(job('h1-s'));
    await until(() => statusOf('h1-s') === 'running');
    await h.manager.stop('h1-s');
    const c = h.driver.container('h1-s');
    expect(c.signals).toEqual([15]);
    h.clock.advance(29_999);
    expect(c.signals).toEqual([15]);
    h.clock.advance(1);
    await until(() => statusOf('h1-s') === 'crashed');
    expect(c.signals).toEqual([15, 9]);
    expect(h.manager.get('h1-s')!.exit_status).toBe(137);
    await h.manager.stop('h1-s'); // finished: a no-op
  });

  it('signal forwards to a running job, 404 for unknown ids, 409 when not running', async () => {
    h = await harness({ driver: new FakeRuntimeDriver({ fatalSignals: [] }) });
    await h.manager.add(job('h1-sig'));
    await until(() => statusOf('h1-sig') === 'running');
    await h.manager.signal('h1-sig', 10);
    expect(h.driver.container('h1-sig').signals).toEqual([10]);
    expect(((await h.manager.signal('nope', 1).catch((e: unknown) => e)) as FlynnError).status).toBe(404);
    expect(((await h.manager.stop('nope').catch((e: unknown) => e)) as FlynnError).status).toBe(404);
    h.driver.container('h1-sig').exit(0);
    await until(() => statusOf('h1-sig') === 'done');
    expect(((await h.manager.signal('h1-sig', 1).catch((e: unknown) => e)) as FlynnError).status).toBe(409);
  });

  it('reports an OOM kill on the init stream', async () => {
    h = await harness();
    await h.manager.add(job('h1-oom'));
    await until(() => statusOf('h1-oom') === 'running');
    h.driver.container('h1-oom').exit(137, { oomKilled: true });
    await until(() => statusOf('h1-oom') === 'crashed');
    expect(h.logs.messages('h1-oom', 'init')).toEqual(['FATAL: a container process was killed due to lack of available memory']);
  });
});

describe('JobManager dependencies, env and volumes', () => {
  it('injects env; DISCOVERD once configured', async () => {
    h = await harness({ defaultEnv: { EXTERNAL_IP: '192.0.2.10', LISTEN_IP: '192.0.2.10' } });
    await h.manager.configureDiscoverd({ url: 'http://192.0.2.10:1111', dns: '192.0.2.10:53' });
    await h.manager.add(job('h1-env', { env: { A: '1' }, ports: [{ port: 0, proto: 'tcp' }, { port: 8080, proto: 'tcp' }] }));
    await until(() => statusOf('h1-env') === 'running');
    expect(h.driver.container('h1-env').spec.env).toEqual({
      A: '1',
      EXTERNAL_IP: '192.0.2.10',
      LISTEN_IP: '192.0.2.10',
      DISCOVERD: 'http://192.0.2.10:1111',
      PORT: '5000',
      PORT_0: '5000',
      PORT_1: '8080',
    });
    expect(h.manager.get('h1-env')!.job.config.ports![0]!.port).toBe(5000);
  });

  it('waits for the network (releasing its start token), then starts with a netns and its own IP', async () => {
    const network = new FakeNetworkManager();
    h = await harness({ network, maxConcurrentStarts: 1 });
    await h.manager.add(job('h1-net'));
    await until(() => h.driver.containers.size === 0 && statusOf('h1-net') === 'starting');
    await h.manager.add(job('h1-hostnet', { host_network: true }));
    await until(() => statusOf('h1-hostnet') === 'running', 'host-network job runs while the other waits');
    await h.manager.configureNetwork({ subnet: '10.99.0.1/24' });
    expect(network.configured[0]).toEqual({ subnet: '10.99.0.1/24', mtu: 1500, resolvers: ['10.99.0.1'] });
    await until(() => statusOf('h1-net') === 'running');
    const spec = h.driver.container('h1-net').spec;
    expect(spec.network).toEqual({ mode: 'netns', netnsPath: '/run/netns/fake-h1-net' });
    expect(spec.env.EXTERNAL_IP).toBe('10.99.0.2');
    expect(spec.mounts).toContainEqual({ source: '/tmp/fake-resolv.conf', target: '/etc/resolv.conf', writeable: false });
    expect(h.manager.get('h1-net')!.internal_ip).toBe('10.99.0.2');
    h.driver.container('h1-net').exit(0);
    await until(() => network.detached.includes('h1-net'));
  });

  it('a job stopped while it waits never starts and ends done', async () => {
    h = await harness({ network: new FakeNetworkManager() });
    await h.manager.add(job('h1-wait'));
    await h.manager.stop('h1-wait');
    await until(() => statusOf('h1-wait') === 'done');
    expect(h.manager.get('h1-wait')).toMatchObject({ force_stop: true, exit_status: 0 });
    expect(h.driver.containers.size).toBe(0);
    expect(kinds(h.events, 'h1-wait')).toEqual(['create', 'stop', 'cleanup']);
  });

  it('mounts volumes, refuses one in use (409), destroys delete_on_stop volumes after the job', async () => {
    const volumes = new VolumeManager({ dir: `${(await import('node:os')).tmpdir()}/flynn-vol-${process.pid}-${Date.now()}` });
    await volumes.init();
    const v = await volumes.create({ meta: { k: 'v' } });
    h = await harness({ volumes });
    await h.manager.add(job('h1-vol', { volumes: [{ target: '/data', volume: v.id, writeable: true, delete_on_stop: true }] }));
    const inUse = await h.manager.add(job('h1-vol2', { volumes: [{ target: '/d', volume: v.id }] })).catch((e: unknown) => e);
    expect(FlynnError.is(inUse) && inUse.status).toBe(409);
    await until(() => statusOf('h1-vol') === 'running');
    expect(h.driver.container('h1-vol').spec.mounts).toContainEqual({ source: volumes.path(v.id), target: '/data', writeable: true });
    await h.manager.add(job('h1-novol', { volumes: [{ target: '/d', volume: 'missing' }] }));
    await until(() => statusOf('h1-novol') === 'failed');
    expect(h.manager.get('h1-novol')!.error).toBe('no volume with id "missing"');
    h.driver.container('h1-vol').exit(0);
    await until(() => !volumes.has(v.id), 'volume destroyed');
  });
});

describe('JobManager restart', () => {
  it('re-attaches to a running job, resumes logs after the persisted cursor, reports its exit', async () => {
    h = await harness();
    await h.manager.add(job('h1-r'));
    await until(() => statusOf('h1-r') === 'running');
    const c = h.driver.container('h1-r');
    c.write('stdout', 'one\ntwo\n');
    await until(() => h.logs.messages('h1-r').length === 2);
    await h.manager.close();
    c.write('stdout', 'three\n'); // while the daemon is down
    await h.reopen();
    expect(h.manager.restoreResult.reattached).toEqual(['h1-r']);
    expect(statusOf('h1-r')).toBe('running');
    c.write('stdout', 'four\n');
    c.exit(2);
    await until(() => statusOf('h1-r') === 'crashed');
    expect(h.manager.get('h1-r')!.exit_status).toBe(2);
    expect(h.logs.messages('h1-r')).toEqual(['one', 'two', 'three', 'four']);
  });

  it('reports a job that exited while the daemon was down with its exit code, and one that vanished as crashed', async () => {
    h = await harness();
    await h.manager.add(job('h1-x'));
    await h.manager.add(job('h1-gone'));
    await until(() => statusOf('h1-x') === 'running' && statusOf('h1-gone') === 'running');
    await h.manager.close();
    h.driver.container('h1-x').exit(0);
    h.driver.forget('h1-gone');
    h.events.length = 0;
    await h.reopen();
    await until(() => statusOf('h1-x') === 'done' && statusOf('h1-gone') === 'crashed');
    expect(h.manager.get('h1-x')!.exit_status).toBe(0);
    expect(h.manager.get('h1-gone')!.error).toMatch(/container was gone/);
    await until(() => h.driver.cleanups.includes('h1-x') && h.driver.cleanups.includes('h1-gone'), 'cleaned up');
    expect(h.store.get('h1-x')).toMatchObject({ cleanedUp: true, active: { status: 'done', exit_status: 0 } });
  });

  it('re-arms a pending SIGKILL with the remaining grace', async () => {
    h = await harness({ driver: new FakeRuntimeDriver({ fatalSignals: [9] }), stopGraceMs: 10_000 });
    await h.manager.add(job('h1-k'));
    await until(() => statusOf('h1-k') === 'running');
    await h.manager.stop('h1-k');
    h.clock.advance(4_000);
    await h.manager.close();
    await h.reopen();
    const c = h.driver.container('h1-k');
    h.clock.advance(5_999);
    expect(c.signals).toEqual([15]);
    h.clock.advance(1);
    expect(c.signals).toEqual([15, 9]);
    await until(() => statusOf('h1-k') === 'crashed');
  });

  it('after a reboot marks active jobs lost and resurrects those with resurrect under a new id', async () => {
    h = await harness();
    await h.manager.add(job('h1-plain'));
    await h.manager.add(job('h1-res', { env: { FLYNN_JOB_ID: 'h1-res' } }, { resurrect: true }));
    await until(() => statusOf('h1-plain') === 'running' && statusOf('h1-res') === 'running');
    await h.manager.close();
    h.driver.forget('h1-plain');
    h.driver.forget('h1-res');
    await h.reopen({ bootId: 'boot-2' });
    await until(() => statusOf('h1-plain') === 'crashed' && statusOf('h1-res') === 'crashed');
    expect(h.manager.get('h1-plain')!.error).toBe('host rebooted while the job was active');
    const resurrected = Object.values(h.manager.list({ active: true }));
    expect(resurrected).toHaveLength(1);
    const newId = resurrected[0]!.job.id;
    expect(newId).toMatch(/^h1-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await until(() => statusOf(newId) === 'running');
    expect(h.driver.container(newId).spec.env.FLYNN_JOB_ID).toBe(newId);
    await h.manager.close();
    await h.reopen({ bootId: 'boot-2', resurrect: false });
    expect(h.manager.restoreResult.reattached).toEqual([newId]);
  });

  it('lists all or only active jobs', async () => {
    h = await harness();
    await h.manager.add(job('h1-l1'));
    await h.manager.add(job('h1-l2'));
    await until(() => statusOf('h1-l2') === 'running');
    h.driver.container('h1-l2').exit(0);
    await until(() => statusOf('h1-l2') === 'done');
    expect(Object.keys(h.manager.list()).sort()).toEqual(['h1-l1', 'h1-l2']);
    expect(Object.keys(h.manager.list({ active: true }))).toEqual(['h1-l1']);
  });
});
