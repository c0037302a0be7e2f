/**
 * `-dns-workers 2`: a real discoverd whose UDP DNS is answered by two worker
 * processes sharing the port (TCP by the daemon itself). dig gets the right
 * answers, a killed worker is replaced, and neither SIGKILL nor SIGTERM of
 * the daemon leaves a worker behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { instanceId } from '@flynn-ts/discovery';
import { dig, freePorts, http, killAll, spawnDaemon, tempDir } from './daemon-harness.js';
import type { Daemon } from './daemon-harness.js';

const noDig = missingRequirements({ commands: ['dig'] });
const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
const workerPids = new Set<number>();

afterAll(async () => {
  await killAll();
  // Last resort: a worker the test saw must not outlive it, whatever failed above.
  for (const pid of workerPids) if (running(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) await d.remove();
});

/** True while `pid` is a live process (a zombie counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** PIDs of the daemon's children that are DNS workers (their environment names the worker config). */
function workersOf(daemon: Daemon): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== daemon.pid) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').includes('FLYNN_DNS_WORKER=')) continue;
      if (running(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  for (const p of pids) workerPids.add(p);
  return pids.sort((a, b) => a - b);
}

async function startWithWorkers(name: string): Promise<{ daemon: Daemon; dnsPort: number }> {
  const dir = await tempDir(`discoverd-${name}-`);
  dirs.push(dir);
  const [port, dnsPort] = (await freePorts(2)) as [number, number];
  const daemon = await spawnDaemon({ name, dataDir: dir.path, port, dnsPort, extraArgs: ['--dns-workers=2'] });
  // The API answers before DNS is up: wait for the daemon to say it has started (workers listening, TCP too).
  await waitFor(() => daemon.logs.some((l) => l.event === 'discoverd_started'), { timeoutMs: 30_000, what: 'discoverd_started' });
  await waitFor(async () => (await http('GET', `${daemon.url}/raft/leader`)).status === 200, { timeoutMs: 20_000, what: 'leader' });
  const started = daemon.logs.find((l) => l.event === 'discoverd_started') as { dnsWorkers?: number[] };
  expect(workersOf(daemon)).toEqual([...(started.dnsWorkers ?? [])].sort((a, b) => a - b));
  expect(workersOf(daemon)).toHaveLength(2);
  return { daemon, dnsPort };
}

async function register(daemon: Daemon, service: string, addr: string): Promise<void> {
  await http('PUT', `${daemon.url}/services/${service}`, { leader_type: 'oldest' });
  const res = await http('PUT', `${daemon.url}/services/${service}/instances/x`, { id: instanceId('tcp', addr), addr, proto: 'tcp' });
  expect(res.status).toBe(200);
}

const answers = async (port: number, ...args: string[]) => (await dig(port, '+short', ...args)).trim().split('\n').filter((l) => l !== '').sort();

describe.skipIf(noDig)('discoverd --dns-workers', () => {
  it('answers over UDP from the workers and TCP from the daemon; a killed worker is replaced; SIGKILL of the daemon leaves no worker', async () => {
    const { daemon, dnsPort } = await startWithWorkers('dnsw-kill');
    await register(daemon, 'web', '10.1.0.1:80');
    await register(daemon, 'web', '10.1.0.2:80');
    await waitFor(async () => (await answers(dnsPort, 'web.discoverd', 'A')).join() === '10.1.0.1,10.1.0.2', { what: 'A records over UDP' });
    expect(await answers(dnsPort, 'leader.web.discoverd', 'A')).toEqual(['10.1.0.1']);
    expect(await answers(dnsPort, '+tcp', 'web.discoverd', 'A')).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(await dig(dnsPort, 'nope.discoverd', 'A')).toContain('status: NXDOMAIN');
    // Workers follow changes.
    await register(daemon, 'web', '10.1.0.3:80');
    await waitFor(async () => (await answers(dnsPort, 'web.discoverd', 'A')).length === 3, { what: 'the third instance over UDP' });

    const [first, second] = workersOf(daemon) as [number, number];
    process.kill(first, 'SIGKILL');
    await waitFor(() => !workersOf(daemon).includes(first) && workersOf(daemon).length === 2, { timeoutMs: 20_000, what: 'a replacement worker' });
    expect(workersOf(daemon)).toContain(second);
    await waitFor(async () => (await answers(dnsPort, 'web.discoverd', 'A')).length === 3, { what: 'answers after the replacement' });

    const before = workersOf(daemon);
    daemon.kill('SIGKILL');
    await daemon.exited;
    await waitFor(() => before.every((pid) => !running(pid)), { timeoutMs: 15_000, what: 'the workers to exit after their daemon died' });
  });

  it('SIGTERM stops the workers with the daemon', async () => {
    const { daemon, dnsPort } = await startWithWorkers('dnsw-term');
    await register(daemon, 'api', '10.2.0.1:80');
    await waitFor(async () => (await answers(dnsPort, 'api.discoverd', 'A')).join() === '10.2.0.1', { what: 'an answer' });
    const before = workersOf(daemon);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    await waitFor(() => before.every((pid) => !running(pid)), { timeoutMs: 15_000, what: 'the workers to exit with the daemon' });
  });
});
