/**
 * `GET /apps/:id/log` end to end (reference §5.3, §10): a job run through
 * the controller on a real flynn-host writes lines, the host's log shipper
 * sends them to a real log aggregator (@flynn-ts/logaggregator) found in
 * discovery, and the controller, finding the aggregator there too, streams
 * them back; the real `flynn log` CLI prints them, follows new ones, and
 * filters by job.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '@flynn-ts/controller';
import { basicAuthHeader } from '@flynn-ts/controller';
import { waitFor } from '@flynn-ts/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterHooks, flynnCli, HOST_ID } from './cluster.js';
import { KEY, PG_MISSING, startInstance } from './harness.js';

interface LogMessage {
  host_id?: string;
  job_id?: string;
  msg: string;
  process_type?: string;
  stream?: string;
  timestamp?: string;
}

describe.skipIf(PG_MISSING)('app logs from the log aggregator', () => {
  let appId: string;
  const t = clusterHooks({ logs: true });

  beforeAll(async () => {
    const app = await t.c.call('POST', '/apps', { name: 'logger' });
    const artifact = await t.c.call('POST', '/artifacts', { type: 'docker', uri: `docker://busybox-${randomUUID()}` });
    const release = await t.c.call('POST', '/releases', { app_id: app.body.id, artifacts: [artifact.body.id] });
    expect((await t.c.call('PUT', '/apps/logger/release', { id: release.body.id })).status).toBe(200);
    appId = app.body.id;
  });

  /** The app's lines through the controller (newline-delimited JSON). */
  const readLog = async (query = ''): Promise<LogMessage[]> => {
    const res = await fetch(`${t.c.url}/apps/logger/log${query}`, { headers: { authorization: basicAuthHeader(KEY) } });
    expect(res.status).toBe(200);
    return (await res.text()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogMessage);
  };

  const runJob = async (script: string): Promise<Job> => {
    const res = await t.c.call('POST', '/apps/logger/jobs', { args: ['sh', '-c', script] });
    expect(res.status).toBe(200);
    return res.body as Job;
  };

  let first: Job;

  it('serves a job’s lines from the aggregator; flynn log prints them', async () => {
    first = await runJob('echo first-out; echo first-err >&2');
    const lines = await waitFor(async () => {
      const got = await readLog();
      return got.filter((m) => m.job_id === first.id).length === 2 ? got : undefined;
    }, { timeoutMs: 20_000, what: 'both lines at the aggregator' });
    // stdout and stderr are separate pipes: their relative order is not defined.
    expect(lines.map((m) => [m.msg, m.stream]).sort()).toEqual([['first-err', 'stderr'], ['first-out', 'stdout']]);
    expect(lines[0]).toMatchObject({ host_id: HOST_ID, job_id: first.id });
    expect(lines[0]!.process_type ?? '').toBe(''); // a one-off job has no process type
    expect(t.cluster.aggregator!.stats().stored).toBeGreaterThanOrEqual(2);

    const r = await t.cli.run(['-a', 'logger', 'log']);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n').filter((l) => l !== '');
    expect(out).toHaveLength(2);
    const outLine = out.find((l) => l.endsWith('first-out'));
    const errLine = out.find((l) => l.endsWith('first-err'));
    expect(outLine).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z app\\[\\.${first.id}\\]: first-out$`));
    expect(errLine).toMatch(/app\[\.host1-[0-9a-f-]+\]: first-err$/);
    const split = await t.cli.run(['-a', 'logger', 'log', '-s', '-r']);
    expect(split).toMatchObject({ code: 0, stdout: 'first-out\n', stderr: 'first-err\n' });
  });

  it('filters by job, stream and line count', async () => {
    const second = await runJob('echo second-1; echo second-2; echo second-3');
    await waitFor(async () => (await readLog(`?job_id=${second.id}`)).length === 3, { timeoutMs: 20_000, what: 'the second job’s lines' });
    expect((await readLog(`?job_id=${second.id}&lines=2`)).map((m) => m.msg)).toEqual(['second-2', 'second-3']);
    expect((await readLog(`?job_id=${first.id}&stream_types=stderr`)).map((m) => m.msg)).toEqual(['first-err']);
    expect((await readLog('?process_type=web')).length).toBe(0);
    const r = await t.cli.run(['-a', 'logger', 'log', '-r', '-j', second.id!, '-n', '1']);
    expect(r).toMatchObject({ code: 0, stdout: 'second-3\n' });
  });

  it('flynn log -f streams new lines as jobs write them', async () => {
    const follower = t.cli.start(['-a', 'logger', 'log', '-f', '-r', '-n', '0']);
    try {
      // Until the follower is connected, new lines could come before it: keep writing until one arrives.
      await waitFor(async () => {
        if (follower.output().includes('follow-marker')) return true;
        await runJob('echo follow-marker');
        return follower.output().includes('follow-marker');
      }, { timeoutMs: 30_000, intervalMs: 500, what: 'a line written after flynn log -f started' });
      expect(follower.output()).not.toContain('first-out');
      expect(t.cluster.aggregator!.store.stats().subscribers).toBe(1);
    } finally {
      const r = await follower.stop();
      expect(r.stdout).toContain('follow-marker');
    }
    // The CLI going away ends the controller's stream from the aggregator too.
    await waitFor(() => t.cluster.aggregator!.store.stats().subscribers === 0, { timeoutMs: 10_000, what: 'the aggregator follow stream closed' });
  });

  it('answers 404 for an unknown app, 400 for a bad query', async () => {
    const auth = { authorization: basicAuthHeader(KEY) };
    const missing = await fetch(`${t.c.url}/apps/nope/log`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
    const bad = await fetch(`${t.c.url}/apps/logger/log?lines=abc`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'validation_error', detail: { field: 'lines' } });
    expect((await fetch(`${t.c.url}/apps/logger/log`)).status).toBe(401);
  });

  it('answers a clear 503 when no aggregator is available', async () => {
    for (const logAggregators of [async () => [], async () => ['http://127.0.0.1:1']]) {
      const other = await startInstance(await t.fx.freshDatabase(), { logAggregators });
      try {
        await other.call('POST', '/apps', { name: 'quiet' });
        const res = await other.call('GET', '/apps/quiet/log');
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ code: 'service_unavailable', retry: true, message: expect.stringMatching(/no log aggregator/) });
        const cliOther = await flynnCli(await mkdtemp(join(t.cluster.dir, 'cli-')), other.url);
        const r = await cliOther.run(['-a', 'quiet', 'log']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/no log aggregator/);
      } finally {
        await other.close();
      }
    }
    // The aggregator going away (it deregisters) makes the cluster's controller answer 503 too.
    await t.cluster.aggregator!.close();
    const res = await t.c.call('GET', `/apps/${appId}/log`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'service_unavailable', message: 'no log aggregator available' });
  });
});
