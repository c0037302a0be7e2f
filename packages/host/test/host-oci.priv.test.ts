/**
 * The whole host as root: the HTTP API with the OciDriver (runc + conmon), the
 * LayerImageStore (a busybox squashfs image) and the BridgeNetworkManager —
 * built in a stand-in "host" network namespace this file creates, so nothing
 * touches the machine's own network. Jobs get their own netns and IP, logs,
 * attach, OOM reporting and a restart that re-attaches.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostClient } from '../src/client/host-client.js';
import type { FlynnHost } from '../src/host.js';
import { startHost } from '../src/host.js';
import { LayerImageStore } from '../src/image/layer-store.js';
import { FileLogManager } from '../src/logs/file-log-manager.js';
import { BridgeNetworkManager } from '../src/network/bridge-network.js';
import { netnsName } from '../src/network/core/names.js';
import { OciDriver } from '../src/runtime/oci-driver.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import type { BusyboxImage } from '../src/testing/busybox-image.js';
import { buildBusyboxImage } from '../src/testing/busybox-image.js';
import type { ActiveJob, Job, JobStatus } from '../src/types.js';
import { readAll } from './host-harness.js';
import { removeCgroupDirs } from './runtime-fixtures.js';

const missing = missingRequirements({
  root: true,
  commands: ['runc', 'conmon', 'perl', 'ip', 'nft', 'mksquashfs', 'mount'],
  paths: ['/usr/bin/busybox', '/usr/bin/tini-static'],
});

const pid = process.pid;
const HOST_NS = `fhh-${pid}`;
const BRIDGE = `fhb${pid}`.slice(0, 15);
const SUBNET_PREFIX = `100.125.${pid % 250}`;
const cgroupParent = `flynn-hosttest-${pid}`;

describe.skipIf(missing)('flynn-host with runc containers (root)', () => {
  let dir = '';
  let image: BusyboxImage;
  let host: FlynnHost;
  let client: HostClient;
  let logs: FileLogManager;
  const jobIds: string[] = [];

  const start = async () => {
    logs = new FileLogManager({ dir: join(dir, 'logs'), hostId: 'roothost', flushMs: 10 });
    host = await startHost({
      id: 'roothost',
      stateDir: join(dir, 'state'),
      driver: new OciDriver({ runtimeRoot: join(dir, 'runc'), cgroupParent, pollIntervalMs: 100 }),
      network: new BridgeNetworkManager({ stateDir: join(dir, 'network'), bridgeName: BRIDGE, hostNetns: `/run/netns/${HOST_NS}` }),
      images: new LayerImageStore({ dir: join(dir, 'images') }),
      logs,
      port: 0,
      jobs: { stopGraceMs: 2_000, cursorFlushMs: 100 },
    });
    client = new HostClient({ url: host.url, retries: 0 });
  };
  const stop = async (stopJobs: boolean) => {
    await client.close();
    await host.close({ stopJobs, graceMs: 100 });
    await logs.close();
  };
  const job = (suffix: string, args: string[], extra: Partial<Job> = {}, config: Partial<Job['config']> = {}): Job => {
    const id = `roothost-${pid}-${suffix}`;
    jobIds.push(id);
    return { id, mountspecs: image.mountspecs, config: { args, ...config }, ...extra };
  };
  const status = (id: string, want: JobStatus[]): Promise<ActiveJob> =>
    waitFor(
      async () => {
        const j = await client.getJob(id);
        return want.includes(j.status) ? j : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `${id} ${want.join('|')}` },
    );
  const messages = async (id: string) => {
    const out: string[] = [];
    for await (const l of client.jobLog(id)) out.push(`${l.stream}:${l.message}`);
    return out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-host-root-'));
    execFileSync('ip', ['netns', 'add', HOST_NS]);
    execFileSync('ip', ['-n', HOST_NS, 'link', 'set', 'lo', 'up']);
    image = await buildBusyboxImage(join(dir, 'image'));
    await start();
    await client.configureNetwork({ subnet: `${SUBNET_PREFIX}.1/24`, mtu: 1500 });
  }, 120_000);

  afterAll(async () => {
    if (host) await stop(true).catch(() => {});
    for (const id of jobIds) spawnSync('ip', ['netns', 'delete', netnsName(id)], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'delete', HOST_NS], { stdio: 'ignore' });
    removeCgroupDirs(cgroupParent);
    if (dir) {
      // Whatever a failed test left mounted (deepest first), so rm never walks into a mount.
      for (const m of await mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs a busybox job in its own namespaces with an IP of the subnet: create → start → stop with the exit status, logs', async () => {
    const j = job('hello', ['/bin/sh', '-c', 'echo "pid=$$ host=$(hostname) ip=$EXTERNAL_IP port=$PORT"; ls /proc | grep -c "^[0-9]" >&2; exit 3'], {}, { ports: [{ port: 0, proto: 'tcp' }] });
    await client.addJob(j);
    const done = await status(j.id, ['crashed']);
    expect(done.exit_status).toBe(3);
    expect(done.internal_ip).toMatch(new RegExp(`^${SUBNET_PREFIX.replace(/\./g, '\\.')}\\.\\d+$`));
    const lines = await waitFor(async () => {
      const m = await messages(j.id);
      return m.length >= 2 ? m : undefined;
    });
    expect(lines[0]).toMatch(new RegExp(`^stdout:pid=\\d+ host=\\S+ ip=${done.internal_ip} port=5000$`));
    // Its own PID namespace: only a few processes, not the host's.
    expect(Number(lines[1]!.replace('stderr:', ''))).toBeLessThan(10);
  });

  it('a job without mountspecs is refused by the oci driver (400 naming the field)', async () => {
    const e = await client.addJob({ id: `roothost-${pid}-noimage`, config: { args: ['true'] } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 400, detail: { field: 'mountspecs' } });
  });

  it('attach: stdin through cat inside the container, exit code', async () => {
    const j = job('cat', ['/bin/cat'], {}, { stdin: true });
    const session = await client.attach({ jobId: j.id, stdin: true });
    expect(session.waited).toBe(true);
    await client.addJob(j);
    await session.attached;
    const out = readAll(session.stdout);
    session.stdin.end('through the container\n');
    expect(await session.exit).toBe(0);
    expect(await out).toBe('through the container\n');
  });

  it('reports an OOM kill of a job past its memory limit', async () => {
    const j = job('oom', ['/bin/sh', '-c', 'x=0123456789abcdef; while :; do x=$x$x; done'], { resources: { memory: { limit: 32 * 1024 * 1024 } } });
    await client.addJob(j);
    expect((await status(j.id, ['crashed'])).exit_status).toBe(137);
    await waitFor(async () => (await messages(j.id)).includes('init:FATAL: a container process was killed due to lack of available memory'), { what: 'OOM reported' });
  });

  it('a restarted host re-attaches to a running container; DELETE then stops it', async () => {
    const j = job('long', ['/bin/sh', '-c', 'echo up; exec sleep 600']);
    await client.addJob(j);
    const running = await status(j.id, ['running']);
    await stop(false);
    await start();
    expect(host.jobs.restoreResult.reattached).toContain(j.id);
    expect(await client.getJob(j.id)).toMatchObject({ status: 'running', pid: running.pid, internal_ip: running.internal_ip });
    await client.stopJob(j.id);
    expect((await status(j.id, ['crashed', 'done'])).exit_status).toBe(143);
  });
});
