/**
 * One-off jobs end to end (reference §5.3 `POST /apps/:id/jobs`): a real
 * PostgreSQL, the real controller API served on loopback, a real flynn-host
 * (process driver) found through discovery, and the real `flynn` CLI as a
 * child process for the attached runs, through the controller's attach
 * proxy to the host's `/attach`.
 */
import { randomUUID } from 'node:crypto';
import { basicAuthHeader } from '@flynn-ts/controller';
import type { Job } from '@flynn-ts/controller';
import { waitFor } from '@flynn-ts/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterHooks, HOST_ID } from './cluster.js';
import { KEY, PG_MISSING, startInstance } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.skipIf(PG_MISSING)('one-off jobs on a real host', () => {
  let appId: string;
  let releaseId: string;
  const t = clusterHooks();

  beforeAll(async () => {
    const app = await t.c.call('POST', '/apps', { name: 'runner' });
    // A flynn image (its layers go to the host as mountspecs; the process driver runs without an image).
    const artifact = await t.c.call('POST', '/artifacts', {
      type: 'flynn',
      uri: `http://blobstore.discoverd/images/${randomUUID()}.json`,
      layer_url_template: 'http://blobstore.discoverd/layers/{id}.squashfs',
      manifest: { _type: 'application/vnd.flynn.image.manifest.v1+json', rootfs: [{ layers: [{ id: 'layer1', length: 1024, hashes: { sha512_256: 'aa' } }] }] },
    });
    const release = await t.c.call('POST', '/releases', { app_id: app.body.id, artifacts: [artifact.body.id], env: { GREETING: 'hello from the release' }, processes: { web: { args: ['true'] } } });
    expect([app.status, artifact.status, release.status]).toEqual([200, 200, 200]);
    appId = app.body.id;
    releaseId = release.body.id;
    expect((await t.c.call('PUT', '/apps/runner/release', { id: releaseId })).status).toBe(200);
  });

  const jobOf = async (id: string): Promise<Job> => (await t.c.call('GET', `/apps/runner/jobs/${id}`)).body as Job;

  it('runs a detached job on the host and records it until it is down with its exit status', async () => {
    const res = await t.c.call('POST', '/apps/runner/jobs', { args: ['sh', '-c', 'echo hi; echo "$GREETING/$FLYNN_APP_ID"; exit 3'], release_env: true, meta: { purpose: 'test' } });
    expect(res.status).toBe(200);
    const job = res.body as Job;
    expect(job).toMatchObject({ host_id: HOST_ID, app: appId, release: releaseId, state: 'starting', args: ['sh', '-c', expect.any(String)] });
    expect(job.uuid).toMatch(UUID);
    expect(job.id).toBe(`${HOST_ID}-${job.uuid}`);

    const done = await waitFor(async () => {
      const j = await jobOf(job.id!);
      return j.state === 'down' ? j : undefined;
    }, { timeoutMs: 20_000, what: 'the job recorded down' });
    expect(done).toMatchObject({ state: 'down', exit_status: 3 });

    // What the host got and did.
    const onHost = await t.cluster.hostClient.getJob(job.id!);
    expect(onHost).toMatchObject({ status: 'crashed', exit_status: 3 });
    expect(onHost.job.metadata).toEqual({ purpose: 'test', 'flynn-controller.app': appId, 'flynn-controller.app_name': 'runner', 'flynn-controller.release': releaseId });
    expect(onHost.job.config.env).toMatchObject({ GREETING: 'hello from the release', FLYNN_APP_ID: appId, FLYNN_RELEASE_ID: releaseId, FLYNN_JOB_ID: job.id, FLYNN_PROCESS_TYPE: '' });
    expect(onHost.job.config.stdin).toBeUndefined();
    expect(onHost.job.mountspecs).toEqual([{ type: 'squashfs', id: 'layer1', url: 'http://blobstore.discoverd/layers/layer1.squashfs', size: 1024, hashes: { sha512_256: 'aa' } }]);
    const lines: string[] = [];
    for await (const l of t.cluster.hostClient.jobLog(job.id!)) lines.push(l.message);
    expect(lines).toEqual(['hi', `hello from the release/${appId}`]);

    // Each recorded state is a `job` event, in order.
    const events = (await t.c.call('GET', `/events?object_types=job&object_id=${job.uuid}`)).body as Array<{ data: Job }>;
    const states = events.map((e) => e.data.state).reverse();
    expect(states[0]).toBe('pending');
    expect(states[1]).toBe('starting');
    expect(states.at(-1)).toBe('down');
  });

  it('kills a running one-off job through its host', async () => {
    const res = await t.c.call('POST', '/apps/runner/jobs', { args: ['sh', '-c', 'while true; do sleep 0.1; done'] });
    const id = (res.body as Job).id!;
    await waitFor(async () => (await jobOf(id)).state === 'up', { timeoutMs: 20_000, what: 'the job up' });
    expect((await t.c.call('DELETE', `/apps/runner/jobs/${id}`)).status).toBe(200);
    await waitFor(async () => (await jobOf(id)).state === 'down', { timeoutMs: 20_000, what: 'the killed job down' });
    expect(['done', 'crashed']).toContain((await t.cluster.hostClient.getJob(id)).status);
  });

  it('records a job the host could not start as down with the host error', async () => {
    const res = await t.c.call('POST', '/apps/runner/jobs', { args: ['/nonexistent/command'] });
    expect(res.status).toBe(200);
    const done = await waitFor(async () => {
      const j = await jobOf(res.body.id);
      return j.state === 'down' ? j : undefined;
    }, { timeoutMs: 20_000, what: 'the failed job recorded down' });
    expect(done.host_error).toMatch(/not found/);
  });

  it('refuses bad requests with 4xx JSON before touching a host', async () => {
    const before = Object.keys(await t.cluster.hostClient.listJobs()).length;
    expect((await t.c.call('POST', '/apps/nope/jobs', { args: ['true'] })).status).toBe(404);
    const bad = await t.c.call('POST', '/apps/runner/jobs', { args: 'true' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_error', message: 'args must be an array of strings', detail: { field: 'args' } });
    expect((await t.c.call('POST', '/apps/runner/jobs', undefined, { raw: '{' })).body).toMatchObject({ code: 'syntax_error' });
    expect((await t.c.call('POST', '/apps/runner/jobs', { release: randomUUID() })).status).toBe(404);
    const other = await t.c.call('POST', '/apps', { name: 'other' });
    const noRelease = await t.c.call('POST', '/apps/other/jobs', { args: ['true'] });
    expect(noRelease.body).toMatchObject({ code: 'validation_error', message: 'release is required: the app has no current release' });
    expect((await t.c.call('POST', `/apps/${other.body.id}/jobs`, { release: releaseId, args: ['true'] })).body).toMatchObject({ code: 'validation_error', detail: { field: 'release' } });
    // An attach request that reaches the fetch handler (a server without `controller.upgrade`).
    const viaFetch = await t.c.call('POST', '/apps/runner/jobs', { args: ['true'] }, { headers: { connection: 'Upgrade', upgrade: 'flynn-attach/0' } });
    expect(viaFetch.status).toBe(400);
    expect(viaFetch.body.message).toMatch(/upgrade handler/);
    // No args and an image without an entrypoint.
    expect((await t.c.call('POST', '/apps/runner/jobs', {})).body).toMatchObject({ code: 'validation_error', detail: { field: 'args' } });
    expect(Object.keys(await t.cluster.hostClient.listJobs()).length).toBe(before);
  });

  it('answers 503 when no host can take the job', async () => {
    const none = await startInstance(await t.fx.freshDatabase(), { hosts: async () => [], hostClientFor: () => ({ stopJob: async () => {} }) });
    try {
      await none.call('POST', '/apps', { name: 'lonely' });
      const a = await none.call('POST', '/artifacts', { type: 'docker', uri: 'docker://busybox' });
      const r = await none.call('POST', '/releases', { app_id: (await none.call('GET', '/apps/lonely')).body.id, artifacts: [a.body.id] });
      const res = await none.call('POST', '/apps/lonely/jobs', { release: r.body.id, args: ['true'] });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'service_unavailable', message: 'no hosts found', retry: true });
    } finally {
      await none.close();
    }
  });

  it('flynn run: stdin reaches the job, output comes back, and flynn exits with the job exit code', async () => {
    const r = await t.cli.run(['-a', 'runner', 'run', '--', 'sh', '-c', 'cat; echo to-stderr >&2; exit 4'], 'hello through the proxy\nsecond line\n');
    expect(r.stderr).toContain('to-stderr');
    expect(r.stdout).toBe('hello through the proxy\nsecond line\n');
    expect(r.code).toBe(4);
    // The attached job is recorded like any other, with stdin open on the host.
    const jobs = (await t.c.call('GET', '/apps/runner/jobs')).body as Job[];
    const attached = jobs.find((j) => j.args?.[2]?.startsWith('cat;'));
    expect(attached).toBeDefined();
    const done = await waitFor(async () => {
      const j = await jobOf(attached!.id!);
      return j.state === 'down' ? j : undefined;
    }, { timeoutMs: 20_000, what: 'the attached job recorded down' });
    expect(done.exit_status).toBe(4);
    expect((await t.cluster.hostClient.getJob(attached!.id!)).job.config.stdin).toBe(true);
  });

  it('flynn run: a job that exits 0 without reading stdin, and one that fails to start', async () => {
    const ok = await t.cli.run(['-a', 'runner', 'run', 'sh', '-c', 'echo "$GREETING"']);
    expect(ok).toMatchObject({ code: 0, stdout: 'hello from the release\n' });
    const missing = await t.cli.run(['-a', 'runner', 'run', '/nonexistent/command']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/);
  });

  it('flynn run: SIGINT reaches the job through the proxy (signal frames)', async () => {
    const run = t.cli.start(['-a', 'runner', 'run', 'sh', '-c', 'trap "echo got-int; exit 9" INT; echo ready; while true; do sleep 0.1; done']);
    await waitFor(() => run.output().includes('ready'), { timeoutMs: 20_000, what: 'the job running' });
    const r = await run.stop();
    expect(r.stdout).toBe('ready\ngot-int\n');
    expect(r.code).toBe(9);
  });

  it('flynn run -d prints the job id; the job runs on the host', async () => {
    const r = await t.cli.run(['-a', 'runner', 'run', '-d', 'sh', '-c', 'exit 7']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(new RegExp(`^${HOST_ID}-[0-9a-f-]{36}$`));
    const done = await waitFor(async () => {
      const j = await t.cluster.hostClient.getJob(id);
      return j.status === 'crashed' ? j : undefined;
    }, { timeoutMs: 20_000, what: 'the detached job ended on the host' });
    expect(done.exit_status).toBe(7);
  });

  it('the upgrade route answers errors as JSON before the 101', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const url = new URL('/apps/nope/jobs', t.c.url);
        void import('node:http').then(({ request }) => {
          const req = request(url, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'flynn-attach/0', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } });
          req.on('error', reject);
          req.on('upgrade', () => reject(new Error('unexpected upgrade')));
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          req.end(body);
        });
      });
    expect(await post({}, '{}')).toEqual({ status: 401, text: '' });
    const unknown = await post({ authorization: basicAuthHeader(KEY) }, '{"args":["true"]}');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: 'not_found' });
  });
});
