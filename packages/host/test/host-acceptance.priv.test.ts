/**
 * Issue #6 acceptance, as root, through the real `flynn-host daemon` PROCESS
 * (--driver oci: runc + conmon, the busybox squashfs image, a real bridge with
 * a test subnet), its HTTP API and real neighbours: an in-process discoverd
 * (HTTP + DNS) and a test syslog receiver registered there as
 * `logaggregator`. The daemon runs in a network namespace of this file's own
 * (see acceptance-env.ts), so the bridge, NAT and the jobs' namespaces never
 * touch the machine's network.
 *
 * (a) two jobs reach each other by IP; (b) a job resolves `<svc>.discoverd`
 * through discoverd's DNS; (c) `kill -9` of the daemon, restart: the running
 * job is re-attached and its logs continue, the one that exited meanwhile is
 * reported with its exit code, and its image hold is re-taken (the last
 * re-attached job's exit unmounts the layer); (d) 10,000 lines reach the
 * receiver in order, none lost across a receiver restart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { Heartbeater } from '@flynn-ts/discovery';
import { startDiscoverd } from '@flynn-ts/discoverd';
import type { Discoverd } from '@flynn-ts/discoverd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostClient } from '../src/client/host-client.js';
import { netnsName } from '../src/network/core/names.js';
import { containerId } from '../src/runtime/core/container-id.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import type { BusyboxImage } from '../src/testing/busybox-image.js';
import { buildBusyboxImage } from '../src/testing/busybox-image.js';
import type { ActiveJob, Job, JobStatus } from '../src/types.js';
import type { DaemonProcess, Stage } from './acceptance-env.js';
import { setupStage, spawnDaemon, teardownStage } from './acceptance-env.js';
import { removeCgroupDirs } from './runtime-fixtures.js';
import { TestReceiver } from './syslog-receiver.js';

const missing = missingRequirements({
  root: true,
  commands: ['runc', 'conmon', 'ip', 'nft', 'nsenter', 'mksquashfs', 'mount'],
  paths: ['/usr/bin/busybox', '/usr/bin/tini-static'],
});

const pid = process.pid;
const HOST_ID = `acc${pid}`;
const SUBNET = `10.254.${pid % 250}`;
const RUNC_ROOT = '/run/flynn-ts/runc'; // the daemon's default runtime root
const CGROUP_PARENT = `flynn-acc-${pid}`;

describe.skipIf(missing)('flynn-host daemon acceptance (root, runc, real bridge, discoverd, log receiver)', () => {
  let dir = '';
  let stage: Stage | undefined;
  let image: BusyboxImage;
  let discoverd: Discoverd | undefined;
  let registrar: DiscoveryClient;
  const beats: Heartbeater[] = [];
  let receiver: TestReceiver;
  let daemon: DaemonProcess | undefined;
  let client: HostClient;
  const jobIds: string[] = [];

  const args = () => [
    '--driver', 'oci', '--id', HOST_ID, '--state', join(dir, 'state'), '--volpath', join(dir, 'volumes'), '--image-dir', join(dir, 'images'),
    '--log-dir', join(dir, 'logs'), '--bridge-name', `fab${pid}`.slice(0, 15), '--stop-grace', '2s', '--memory', '2G', '--cpus', '1.5', '--cgroup-parent', CGROUP_PARENT, '--layer-unmount-delay', '0', '--log-level', 'warn',
  ];
  const startDaemon = async () => {
    daemon = await spawnDaemon(stage!, args());
    client = new HostClient({ url: daemon.url, retries: 0 });
  };
  const job = (name: string, script: string, extra: Partial<Job> = {}): Job => {
    const id = `${HOST_ID}-${name}`;
    jobIds.push(id);
    return { id, mountspecs: image.mountspecs, config: { args: ['/bin/sh', '-c', script] }, ...extra };
  };
  const status = (id: string, want: JobStatus[]): Promise<ActiveJob> =>
    waitFor(
      async () => {
        const j = await client.getJob(id);
        return want.includes(j.status) ? j : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${id} ${want.join('|')}` },
    );
  const messages = async (id: string) => {
    const out: string[] = [];
    for await (const l of client.jobLog(id)) out.push(l.message);
    return out;
  };
  const waitForLine = (id: string, match: (lines: string[]) => boolean, what: string) =>
    waitFor(async () => {
      const m = await messages(id);
      return match(m) ? m : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what });
  const register = async (service: string, addr: string, meta?: Record<string, string>) => {
    beats.push(await registrar.register(service, addr, meta, { heartbeatMs: 1_000 }));
  };
  const layerMounts = async () => mountsUnder(join(dir, 'images', 'mnt'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `flynn-host-acc-${pid}-`));
    stage = setupStage(pid);
    image = await buildBusyboxImage(join(dir, 'image'));
    discoverd = await startDiscoverd({ dataDir: join(dir, 'discoverd'), host: stage.rootIp, addr: `${stage.rootIp}:0`, dnsAddr: `${stage.rootIp}:53`, ttlMs: 5_000 });
    registrar = new DiscoveryClient({ servers: [discoverd.url] });
    receiver = new TestReceiver({ host: stage.rootIp });
    await receiver.start();
    await register('logaggregator', `${stage.rootIp}:${receiver.tcpPort}`, { API_PORT: String(receiver.httpPort) });
    await startDaemon();
    // Jobs' resolv.conf names discoverd's DNS (reachable through the bridge, forwarding and NAT of the host namespace).
    await client.configureNetwork({ subnet: `${SUBNET}.1/24`, resolvers: [stage.rootIp] });
    await client.configureDiscoverd({ url: discoverd.url, dns: `${stage.rootIp}:53` });
  }, 180_000);

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    for (const id of jobIds) {
      spawnSync('runc', ['--root', RUNC_ROOT, 'delete', '-f', containerId(id)], { stdio: 'ignore' });
      spawnSync('ip', ['netns', 'delete', netnsName(id)], { stdio: 'ignore' });
    }
    if (dir) {
      // What a failed test left mounted (deepest first), so rm never walks into a mount.
      for (const m of await mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    }
    if (stage) teardownStage(stage);
    removeCgroupDirs(CGROUP_PARENT);
    for (const b of beats) await b.close().catch(() => {});
    await registrar?.close();
    await receiver?.stop();
    await discoverd?.close();
    await client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('reports its capacity (--memory, --cpus) in /host/status', async () => {
    const s = await client.status();
    expect(s).toMatchObject({ id: HOST_ID, network: { subnet: `${SUBNET}.1/24` }, discoverd: { url: discoverd!.url } });
    expect(s.resources).toEqual({ memory: { limit: 2 * 1024 ** 3, requested: 0 }, cpu: { limit: 1500, requested: 0 } });
  });

  it('(a) two jobs on one host reach each other by IP', async () => {
    const server = job('server', 'exec nc -ll -p 8000 -e echo hi');
    await client.addJob(server);
    const s = await status(server.id, ['running']);
    expect(s.internal_ip).toMatch(new RegExp(`^${SUBNET.replace(/\./g, '\\.')}\\.\\d+$`));
    const caller = job('caller', `until out=$(nc -w 2 ${s.internal_ip} 8000) && [ -n "$out" ]; do sleep 0.2; done; echo "got $out from ${s.internal_ip}"; echo "me $EXTERNAL_IP"`);
    await client.addJob(caller);
    const c = await status(caller.id, ['done', 'crashed', 'failed']);
    expect(c).toMatchObject({ status: 'done', exit_status: 0 });
    expect(c.internal_ip).not.toBe(s.internal_ip);
    expect(await messages(caller.id)).toEqual([`got hi from ${s.internal_ip}`, `me ${c.internal_ip}`]);
    await client.stopJob(server.id);
    await status(server.id, ['crashed', 'done']);
  });

  it('(b) a job resolves <svc>.discoverd through discoverd DNS named in its resolv.conf', async () => {
    await register(`accweb${pid}`, '10.77.0.7:8080');
    const j = job('dns', `cat /etc/resolv.conf; echo "DISCOVERD=$DISCOVERD"; nslookup accweb${pid}.discoverd`);
    await client.addJob(j);
    expect(await status(j.id, ['done', 'crashed', 'failed'])).toMatchObject({ status: 'done', exit_status: 0 });
    const out = await messages(j.id);
    expect(out).toContain(`nameserver ${stage!.rootIp}`);
    expect(out).toContain(`DISCOVERD=${discoverd!.url}`);
    expect(out.join('\n')).toMatch(new RegExp(`Name:\\s+accweb${pid}\\.discoverd\\s+Address:\\s+10\\.77\\.0\\.7`));
  });

  it('(c) kill -9 of the daemon, restart: jobs still run, logs continue, an exit meanwhile is reported; image holds re-taken', async () => {
    const long = job('long', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done');
    const exiting = job('exiting', `echo waiting; until nslookup accgate${pid}.discoverd >/dev/null 2>&1; do sleep 0.2; done; echo leaving; exit 7`);
    await client.addJob(long);
    await client.addJob(exiting);
    const before = await status(long.id, ['running']);
    const exitingPid = (await status(exiting.id, ['running'])).pid!;
    expect((await client.status()).resources).toMatchObject({ memory: { requested: 2 * 1024 ** 3 }, cpu: { requested: 2000 } });
    await waitForLine(exiting.id, (m) => m.includes('waiting'), 'the exiting job waits');
    const ticksBefore = (await waitForLine(long.id, (m) => m.length >= 5, 'ticks')).length;

    daemon!.kill('SIGKILL');
    await daemon!.exited;
    await register(`accgate${pid}`, '10.77.0.8:1'); // the job exits 7 while no daemon is there
    await waitFor(() => !isAlive(exitingPid), { timeoutMs: 30_000, what: 'the job exiting while the daemon is down' });
    expect(isAlive(before.pid!)).toBe(true);

    await startDaemon();
    expect(await status(exiting.id, ['crashed', 'done', 'failed'])).toMatchObject({ status: 'crashed', exit_status: 7 });
    // At least once: a line read in the last second before the kill may be shipped again by the new daemon.
    const said = await messages(exiting.id);
    expect([[...new Set(said)], said.at(-1)]).toEqual([['waiting', 'leaving'], 'leaving']);
    expect(await client.getJob(long.id)).toMatchObject({ status: 'running', pid: before.pid, internal_ip: before.internal_ip });
    // Its logs continue: later ticks arrive, and no tick is missing (a line may repeat: at least once).
    const after = await waitForLine(long.id, (m) => m.length > ticksBefore + 20, 'ticks after the restart');
    const ticks = new Set(after.map((m) => Number(m.replace('tick ', ''))));
    const max = Math.max(...ticks);
    expect(Array.from({ length: max }, (_, i) => i + 1).filter((n) => !ticks.has(n))).toEqual([]);

    // The restarted daemon took the re-attached jobs' image holds again: the last one's exit unmounts the layer.
    expect(await layerMounts()).toHaveLength(1);
    await client.stopJob(long.id);
    expect(await status(long.id, ['crashed', 'done'])).toMatchObject({ exit_status: 143 });
    await waitFor(async () => (await layerMounts()).length === 0, { timeoutMs: 30_000, what: 'the layer unmounted after the last re-attached job' });
    expect((await client.status()).resources).toMatchObject({ memory: { requested: 0 }, cpu: { requested: 0 } });
  });

  it('(d) 10,000 lines reach the log receiver in order, none lost across a receiver restart', async () => {
    const print = (from: number, to: number) => `i=${from}; while [ $i -le ${to} ]; do echo "line $i"; i=$((i+1)); done`;
    const g = job('lines', `${print(1, 5000)}; until nslookup accflow${pid}.discoverd >/dev/null 2>&1; do sleep 0.1; done; ${print(5001, 10000)}`);
    await client.addJob(g);
    await waitFor(() => receiver.messagesOf(g.id).length >= 2_000, { timeoutMs: 60_000, what: 'the first lines at the receiver' });
    // The receiver dies mid-stream and loses the newest lines it had; the job goes on writing while it is down.
    await receiver.stop(37);
    const storedAtStop = receiver.stored.length;
    await register(`accflow${pid}`, '10.77.0.9:1');
    expect(await status(g.id, ['done', 'crashed', 'failed'])).toMatchObject({ status: 'done', exit_status: 0 });
    expect(receiver.stored.length).toBe(storedAtStop);
    await receiver.start();
    await waitFor(() => receiver.messagesOf(g.id).length >= 10_000, { timeoutMs: 90_000, intervalMs: 200, what: 'all 10,000 lines at the receiver' });
    expect(receiver.errors).toEqual([]);
    expect(receiver.messagesOf(g.id)).toEqual(Array.from({ length: 10_000 }, (_, i) => `line ${i + 1}`));
    const seqs = receiver.stored.filter((r) => r.jobId === g.id).map((r) => r.seq);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(receiver.stored.find((r) => r.jobId === g.id)).toMatchObject({ host: HOST_ID, stream: 'stdout' });
  });
});
