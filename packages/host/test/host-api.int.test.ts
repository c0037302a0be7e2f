/**
 * flynn-host's HTTP API end to end: real HTTP, the real ProcessDriver (jobs
 * are real processes) and FileLogManager, through the HostClient SDK.
 */
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FlynnError } from '@flynn-ts/core';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiB, MiB } from '../src/job/core/resources.js';
import type { TestHost } from './host-harness.js';
import { jobId, openEvents, shJob, startTestHost, waitForStatus } from './host-harness.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => {
  await t?.close();
});

const err = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as FlynnError & { detail?: { field?: string } };

describe('jobs over HTTP with the process driver', () => {
  it('publishes create → start → stop with the exit status, then cleanup; keeps the logs', async () => {
    const id = jobId();
    const stream = await openEvents(t.client, undefined, (es) => es.some((e) => e.job_id === id && e.event === 'cleanup'));
    await t.client.addJob(shJob(id, 'echo hello; echo oops >&2; exit 3'));
    const mine = (await stream.events).filter((e) => e.job_id === id);
    stream.close();
    expect(mine.map((e) => e.event)).toEqual(['create', 'start', 'stop', 'cleanup']);
    expect(mine[1]!.job.status).toBe('running');
    expect(mine[1]!.job.pid).toBeGreaterThan(0);
    expect(mine[2]!.job).toMatchObject({ status: 'crashed', exit_status: 3 });
    const job = await t.client.getJob(id);
    expect(job).toMatchObject({ status: 'crashed', exit_status: 3, host_id: 'inthost' });
    expect(job.ended_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const lines = [];
    for await (const l of t.client.jobLog(id)) lines.push(l);
    // stdout and stderr are two pipes: the order between them is not defined, within each it is.
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.message)).toEqual(['hello']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.message)).toEqual(['oops']);
    expect(lines).toHaveLength(2);
  });

  it('a command that cannot run ends failed with the error', async () => {
    const id = jobId();
    await t.client.addJob({ id, config: { args: ['/nonexistent/command'] } });
    const job = await waitForStatus(t.client, id, ['failed']);
    expect(job.error).toMatch(/not found/);
    expect(job.exit_status).toBeUndefined();
  });

  it('answers 409 for a duplicate, 400 naming the field, 404 for unknown jobs', async () => {
    const id = jobId();
    await t.client.addJob(shJob(id, 'sleep 30'));
    const dup = await err(t.client.addJob(shJob(id, 'true')));
    expect([dup.status, dup.apiCode]).toEqual([409, 'conflict']);

    const bad = await fetch(`${t.host.url}/host/jobs/${jobId()}`, { method: 'PUT', body: JSON.stringify({ config: {} }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'validation_error', message: 'config.args must be a non-empty array', detail: { field: 'config.args' } });
    const syntax = await fetch(`${t.host.url}/host/jobs/${jobId()}`, { method: 'PUT', body: '{"config":' });
    expect([syntax.status, ((await syntax.json()) as { code: string }).code]).toEqual([400, 'syntax_error']);
    const badSig = await fetch(`${t.host.url}/host/jobs/${id}/signal/TERM`, { method: 'PUT' });
    expect([badSig.status, ((await badSig.json()) as { detail: { field: string } }).detail.field]).toEqual([400, 'sig']);

    for (const p of [t.client.getJob('nope'), t.client.stopJob('nope'), t.client.signalJob('nope', 15), t.client.discoverdDeregisterJob('nope')]) {
      const e = await err(p);
      expect([e.status, e.apiCode, e.message]).toEqual([404, 'object_not_found', 'host: unknown job']);
    }
    await t.client.stopJob(id);
  });

  it('DELETE stops a sleeping job (SIGTERM) and signal delivers a signal', async () => {
    const id = jobId();
    await t.client.addJob({ id, config: { args: ['sleep', '60'] } });
    await waitForStatus(t.client, id, ['running']);
    expect(Object.keys(await t.client.listActiveJobs())).toContain(id);
    await t.client.stopJob(id);
    const stopped = await waitForStatus(t.client, id, ['crashed']);
    expect(stopped.exit_status).toBe(143);
    expect(Object.keys(await t.client.listActiveJobs())).not.toContain(id);
    expect(Object.keys(await t.client.listJobs())).toContain(id);
    await t.client.stopJob(id); // finished: still 200

    const id2 = jobId();
    await t.client.addJob(shJob(id2, 'trap "exit 7" USR1; echo ready; while :; do sleep 0.05; done'));
    await waitFor(async () => {
      for await (const l of t.client.jobLog(id2)) if (l.message === 'ready') return true;
      return false;
    }, { what: 'trap installed' });
    await t.client.signalJob(id2, 10);
    expect((await waitForStatus(t.client, id2, ['crashed'])).exit_status).toBe(7);
  });

  it('streams one job’s events', async () => {
    const id = jobId();
    const stream = await openEvents(t.client, id, (es) => es.some((e) => e.event === 'stop'));
    await t.client.addJob(shJob(id, 'exit 0'));
    const events = await stream.events;
    stream.close();
    expect(events.every((e) => e.job_id === id)).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['create', 'start', 'stop']);
    expect(events[2]!.job).toMatchObject({ status: 'done', exit_status: 0 });
  });

  it('injects PORT/PORT_<i> and host env into the job', async () => {
    const id = jobId();
    await t.client.addJob(shJob(id, 'echo "$PORT $PORT_0 $PORT_1 $FOO"', { env: { FOO: 'bar' }, ports: [{ port: 0, proto: 'tcp' }, { port: 8081, proto: 'udp' }] }));
    await waitForStatus(t.client, id, ['done']);
    const lines = [];
    for await (const l of t.client.jobLog(id)) lines.push(l.message);
    expect(lines).toEqual(['5000 5000 8081 bar']);
  });

  it('follows a job log (follow=true) until aborted', async () => {
    const id = jobId();
    await t.client.addJob(shJob(id, 'for i in 1 2 3; do echo line$i; sleep 0.1; done; sleep 30'));
    const ctl = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      try {
        for await (const l of t.client.jobLog(id, { follow: true, signal: ctl.signal })) {
          seen.push(l.message);
          if (seen.length === 3) ctl.abort();
        }
      } catch (e) {
        if (!ctl.signal.aborted) throw e;
      }
    })();
    await reading;
    expect(seen).toEqual(['line1', 'line2', 'line3']);
    const tail = [];
    for await (const l of t.client.jobLog(id, { lines: 1 })) tail.push(l.message);
    expect(tail).toEqual(['line3']);
    await t.client.stopJob(id);
  });
});

describe('host endpoints', () => {
  it('status, tags, discoverd and network config', async () => {
    const s = await t.client.status();
    expect(s).toMatchObject({ id: 'inthost', pid: process.pid, url: t.host.url, flags: [] });
    await t.client.updateTags({ zone: 'a', gone: '' });
    expect((await t.client.status()).tags).toEqual({ zone: 'a' });
    await t.client.configureDiscoverd({ url: 'http://127.0.0.1:1', job_id: 'x' });
    expect((await t.client.status()).discoverd).toEqual({ url: 'http://127.0.0.1:1', job_id: 'x' });
    await t.client.configureNetwork({ subnet: '100.100.9.1/24', mtu: 1400 });
    expect((await t.client.status()).network).toEqual({ subnet: '100.100.9.1/24', mtu: 1400 });
    const bad = await err(t.client.configureNetwork({ subnet: 'nope' }));
    expect([bad.status, bad.detail?.field]).toEqual([400, 'subnet']);
    // Jobs started from now on get DISCOVERD.
    const id = jobId();
    await t.client.addJob(shJob(id, 'echo "$DISCOVERD"'));
    await waitForStatus(t.client, id, ['done']);
    const lines = [];
    for await (const l of t.client.jobLog(id)) lines.push(l.message);
    expect(lines).toEqual(['http://127.0.0.1:1']);
    await t.client.configureDiscoverd({ url: '' });
  });

  it('status reports the host capacity and what active jobs requested (defaults counted)', async () => {
    const own = await startTestHost({ capacity: { memory: 8 * GiB, cpu: 3500 } });
    try {
      expect((await own.client.status()).resources).toEqual({ memory: { limit: 8 * GiB, requested: 0 }, cpu: { limit: 3500, requested: 0 } });
      const a = jobId();
      const b = jobId();
      await own.client.addJob({ ...shJob(a, 'exec sleep 60'), resources: { memory: { request: 256 * MiB, limit: 512 * MiB }, cpu: { limit: 250 } } });
      await own.client.addJob(shJob(b, 'exec sleep 60'));
      await waitForStatus(own.client, a, ['running']);
      await waitForStatus(own.client, b, ['running']);
      expect((await own.client.status()).resources).toEqual({ memory: { limit: 8 * GiB, requested: 256 * MiB + GiB }, cpu: { limit: 3500, requested: 1250 } });
      await own.client.stopJob(b);
      await waitForStatus(own.client, b, ['crashed', 'done']);
      expect((await own.client.status()).resources).toEqual({ memory: { limit: 8 * GiB, requested: 256 * MiB }, cpu: { limit: 3500, requested: 250 } });
    } finally {
      await own.close();
    }
    // Without a configured capacity: the machine's memory and 1000 milli-CPU per CPU.
    const r = (await t.client.status()).resources!;
    expect([r.memory.limit, r.cpu.limit]).toEqual([totalmem(), cpus().length * 1000]);
  });

  it('resource-check answers 409 with the ports in use', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      const e = await err(t.client.resourceCheck({ ports: [{ port, proto: 'tcp' }] }));
      expect([e.status, e.apiCode, e.message]).toEqual([409, 'conflict', 'Conflicting resources found']);
      expect(e.detail).toEqual({ ports: [{ port, proto: 'tcp' }] });
    } finally {
      srv.close();
    }
    await t.client.resourceCheck({ ports: [{ port, proto: 'tcp' }] });
  });

  it('directory volumes: create, list, inspect, bind into a job, delete_on_stop', async () => {
    const v = await t.client.createVolume({ meta: { purpose: 'test' } });
    expect(v).toMatchObject({ type: 'data', meta: { purpose: 'test' } });
    expect((await t.client.listVolumes()).map((x) => x.id)).toContain(v.id);
    expect(await t.client.getVolume(v.id)).toEqual(v);
    const path = t.host.volumes.path(v.id);
    const id = jobId();
    await t.client.addJob(shJob(id, `echo data > ${path}/f; cat ${path}/f`, { volumes: [{ target: '/data', volume: v.id, delete_on_stop: true }] }));
    await waitForStatus(t.client, id, ['done']);
    await waitFor(async () => (await t.client.listVolumes()).every((x) => x.id !== v.id), { what: 'volume deleted on stop' });
    const gone = await err(t.client.getVolume(v.id));
    expect(gone.status).toBe(404);
    const noProvider = await err(t.client.createVolume({}, 'zfs'));
    expect(noProvider.status).toBe(404);
    const v2 = await t.client.createVolume();
    await t.client.destroyVolume(v2.id);
    expect((await err(t.client.destroyVolume(v2.id))).status).toBe(404);
  });

  it('rejects POST /attach without the upgrade and answers /ping', async () => {
    const res = await fetch(`${t.host.url}/attach`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('bad_request');
    expect((await fetch(`${t.host.url}/ping`)).status).toBe(200);
  });
});
