/**
 * `flynn-host daemon` as a black box (the process driver, no root needed):
 * kill -9 the daemon, restart it, and the job that kept running is still
 * running (same pid), the one that exited meanwhile is reported with its exit
 * code; SIGTERM leaves jobs running unless --stop-jobs-on-exit; the CLI works
 * against it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { MemoryDiscoveryStore, serveMemoryDiscovery } from '@flynn-ts/discovery/testing';
import { HostClient } from '@flynn-ts/host';
import type { ActiveJob, JobStatus } from '@flynn-ts/host';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, freePort, isAlive, killAll, safeKill, spawnDaemon } from './daemon-harness.js';

let dir: string;
let port: number;
let args: string[];
const started: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), `flynn-host-daemon-${process.pid}-`));
});
// Each test gets its own port, and its daemons die with it (a failed test must not leave one answering).
beforeEach(async () => {
  port = await freePort();
});
afterEach(() => {
  killAll();
});
beforeAll(() => {
  args = ['--driver', 'process', '--id', 'bbhost', '--state', join(dir, 'state'), '--volpath', join(dir, 'volumes'), '--log-dir', join(dir, 'logs'), '--stop-grace', '2s', '--tags', 'zone=a'];
});
afterAll(async () => {
  killAll();
  for (const pid of started) if (isAlive(pid)) safeKill(-pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

async function status(client: HostClient, id: string, want: JobStatus[]): Promise<ActiveJob> {
  return waitFor(
    async () => {
      const j = await client.getJob(id);
      return want.includes(j.status) ? j : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 50, what: `${id} ${want.join('|')}` },
  );
}

describe('flynn-host daemon', () => {
  it('survives kill -9: re-attaches to the running job and reports the one that exited meanwhile', async () => {
    let daemon = await spawnDaemon(port, args);
    let client = new HostClient({ url: daemon.url, retries: 0 });
    expect(await client.status()).toMatchObject({ id: 'bbhost', tags: { zone: 'a' }, pid: daemon.pid });
    const flag = (n: string) => join(dir, n);
    await client.addJob({ id: 'bbhost-running', config: { args: ['/bin/sh', '-c', `echo one; while [ ! -e ${flag('a')} ]; do sleep 0.05; done; echo two; exec sleep 600`] } });
    await client.addJob({ id: 'bbhost-exiting', config: { args: ['/bin/sh', '-c', `while [ ! -e ${flag('b')} ]; do sleep 0.05; done; exit 5`] } });
    const a = await status(client, 'bbhost-running', ['running']);
    const b = await status(client, 'bbhost-exiting', ['running']);
    started.push(a.pid!, b.pid!);
    await client.close();

    daemon.kill('SIGKILL');
    expect((await daemon.exited).signal).toBe('SIGKILL');
    expect(isAlive(a.pid!)).toBe(true);
    await writeFile(flag('a'), '');
    await writeFile(flag('b'), '');
    await waitFor(() => !isAlive(b.pid!), { what: 'job b exits while no daemon runs' });

    daemon = await spawnDaemon(port, args);
    client = new HostClient({ url: daemon.url, retries: 0 });
    expect(await status(client, 'bbhost-exiting', ['crashed'])).toMatchObject({ exit_status: 5 });
    expect(await client.getJob('bbhost-running')).toMatchObject({ status: 'running', pid: a.pid });
    // At least once: 'one' may repeat if the daemon died before its cursor was persisted; nothing is lost.
    const lines = await waitFor(async () => {
      const out: string[] = [];
      for await (const l of client.jobLog('bbhost-running')) out.push(l.message);
      return out.includes('two') ? out : undefined;
    }, { what: 'the line written during the outage is shipped' });
    expect([...new Set(lines)]).toEqual(['one', 'two']);
    expect(lines.filter((l) => l === 'two')).toHaveLength(1);

    // SIGTERM leaves jobs running by default.
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(isAlive(a.pid!)).toBe(true);

    daemon = await spawnDaemon(port, [...args, '--stop-jobs-on-exit']);
    client = new HostClient({ url: daemon.url, retries: 0 });
    expect((await client.getJob('bbhost-running')).status).toBe('running');
    await client.close();
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(isAlive(a.pid!)).toBe(false);

    daemon = await spawnDaemon(port, args);
    client = new HostClient({ url: daemon.url, retries: 0 });
    expect(await client.getJob('bbhost-running')).toMatchObject({ status: 'crashed', exit_status: 143 });
    await client.close();
    daemon.kill('SIGTERM');
    await daemon.exited;
  });

  it('serves the CLI: run attached with the exit code, ps, log, stop', async () => {
    const daemon = await spawnDaemon(port, args);
    const url = ['--host-url', daemon.url];
    const ran = await cli(['run', ...url, '--', 'sh', '-c', 'read x; echo "got $x"; echo err >&2; exit 3'], 'input\n');
    expect(ran).toMatchObject({ code: 3, stdout: 'got input\n', stderr: 'err\n' });
    const detached = await cli(['run', '-d', ...url, '--id', 'bbhost-cli', '--', 'sleep', '600']);
    expect(detached).toMatchObject({ code: 0, stdout: 'bbhost-cli\n' });
    const client = new HostClient({ url: daemon.url, retries: 0 });
    started.push((await status(client, 'bbhost-cli', ['running'])).pid!);
    expect((await cli(['ps', '-q', ...url])).stdout).toBe('bbhost-cli\n');
    expect(await cli(['stop', ...url, 'bbhost-cli'])).toMatchObject({ code: 0 });
    expect(await status(client, 'bbhost-cli', ['crashed'])).toMatchObject({ exit_status: 143 });
    expect((await cli(['ps', '-a', ...url])).stdout).toMatch(/bbhost-cli\s+crashed \(143\)/);
    expect(await cli(['inspect', ...url, 'nope'])).toMatchObject({ code: 1, stderr: 'flynn-host inspect: host: unknown job\n' });
    expect((await cli(['signal', ...url, 'bbhost-cli'])).code).toBe(2);
    await client.close();
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });

  it('rejects bad flags with a clear message', async () => {
    const r = await cli(['daemon', '--driver', 'docker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--driver must be oci or process/);
  });

  it('registers as flynn-host in discoverd with id and tag meta, gives jobs DISCOVERD, deregisters on SIGTERM', async () => {
    const store = new MemoryDiscoveryStore({ expiryIntervalMs: 0 });
    const discoverd = await serveMemoryDiscovery(store);
    const disc = new DiscoveryClient({ servers: [discoverd.url] });
    try {
      const daemon = await spawnDaemon(port, [...args, '--discoverd', discoverd.url, '--external-ip', '127.0.0.1', '--state', join(dir, 'state-disc')]);
      await waitFor(async () => (await disc.instances('flynn-host')).length === 1, { what: 'flynn-host registered' });
      expect((await disc.instances('flynn-host'))[0]).toMatchObject({ addr: `127.0.0.1:${port}`, meta: { id: 'bbhost', 'tag:zone': 'a' } });
      expect(await cli(['tags', 'set', 'disk=ssd', '--host-url', daemon.url])).toMatchObject({ code: 0 });
      await waitFor(async () => (await disc.instances('flynn-host'))[0]?.meta?.['tag:disk'] === 'ssd', { what: 'tag meta updated' });
      const ran = await cli(['run', '--host-url', daemon.url, '--', 'sh', '-c', 'echo "$DISCOVERD"']);
      expect(ran).toMatchObject({ code: 0, stdout: `${discoverd.url}\n` });
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
      expect(await disc.instances('flynn-host')).toEqual([]);
    } finally {
      await disc.close();
      await discoverd.close();
      store.close();
    }
  });
});
