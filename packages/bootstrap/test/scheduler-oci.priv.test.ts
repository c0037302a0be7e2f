/**
 * Issue #9's scenario with the oci driver, as root: the real controller
 * (PostgreSQL), discoverd, scheduler and three flynn-host daemons running
 * runc containers, each host a network namespace with the VXLAN overlay
 * (netns-cluster.ts), one cluster for every step: scale web=3 (one job per
 * host, all up); kill a job's container process from the root namespace →
 * the scheduler replaces it with a new job; scale to 1 → two stopped; then a
 * one-by-one deploy of a new release of the same image under continuous HTTP
 * load through a router without one failed request.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import type { Job } from '@flynn-ts/controller';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsCluster, netnsClusterMissing, ROUTER_HTTP_PORT } from './netns-cluster.js';
import { runIn } from './netns-procs.js';

const missing = netnsClusterMissing();

const APP = `sched${process.pid}`;
const DOMAIN = `${APP}.cluster.test`;
/**
 * busybox httpd serving `release=… job=…` both as a static page (GET /) and
 * from a CGI script (POST /cgi-bin/r: not replayable, so the router never
 * retries it on another backend, and a job stopped mid-request fails it).
 * The CGI header ends in CRLF: the router's HTTP parser refuses bare LF.
 */
const WEB_SCRIPT = [
  'mkdir -p /tmp/www/cgi-bin',
  'echo "release=$FLYNN_RELEASE_ID job=$FLYNN_JOB_ID" > /tmp/www/index.html',
  "printf '%s\\n' '#!/bin/sh' 'head -c \"${CONTENT_LENGTH:-0}\" >/dev/null' 'printf \"Content-Type: text/plain\\r\\n\\r\\n\"' 'cat /tmp/www/index.html' > /tmp/www/cgi-bin/r",
  'chmod +x /tmp/www/cgi-bin/r',
  'exec httpd -f -p $PORT -h /tmp/www',
].join(' && ');
const WEB_ARGS = ['/bin/sh', '-c', WEB_SCRIPT];

/**
 * A bounded POST loop run inside a host namespace (only to the router's
 * namespace address): 2 workers until the stop file appears (at most
 * `max` requests); prints `{ byRelease, failures }` as JSON.
 */
const LOAD_SCRIPT = `
import { existsSync } from 'node:fs';
import http from 'node:http';
const [url, host, stopFile, max] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true });
const byRelease = {}; const failures = []; let n = 0;
const post = () => new Promise((resolve) => {
  const req = http.request(url, { method: 'POST', headers: { host, 'content-type': 'text/plain' }, agent, timeout: 10000 }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, body }));
    res.on('error', (err) => resolve({ status: 0, body: String(err) }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err) => resolve({ status: 0, body: String(err) }));
  req.end('ping');
});
async function worker() {
  while (!existsSync(stopFile) && n < Number(max)) {
    n++;
    const { status, body } = await post();
    const release = /release=(\\S+)/.exec(body)?.[1];
    if (status !== 200 || !release) failures.push(status + ' ' + body.slice(0, 200));
    else byRelease[release] = (byRelease[release] ?? 0) + 1;
  }
}
await Promise.all([worker(), worker()]);
agent.destroy();
process.stdout.write(JSON.stringify({ byRelease, failures, n }));
`;

describe.skipIf(missing)('scheduler with the oci driver on 3 netns hosts (root)', () => {
  let c: NetnsCluster | undefined;
  const cluster = () => c!;
  let appId = '';
  let releaseA = '';
  let artifactId = '';

  const jobs = async (state?: Job['state']) => (await cluster().client.jobList(appId)).filter((j) => j.type === 'web' && (state === undefined || j.state === state));
  const upCount = (n: number, release?: string) =>
    waitFor(
      async () => {
        const up = (await jobs('up')).filter((j) => release === undefined || j.release === release);
        return up.length === n ? up : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: `${n} web jobs up` },
    );

  beforeAll(async () => {
    c = await NetnsCluster.start({ hosts: 3, tag: 'b', slot: 1 });
    const client = c.client;
    const app = await client.createApp({ name: APP, strategy: 'one-by-one', deploy_timeout: 120 });
    appId = app.id;
    const artifact = await client.createArtifact({ type: 'flynn', uri: c.imageManifestUrl, manifest: c.image.manifest, layer_url_template: c.layerUrlTemplate });
    artifactId = artifact.id;
    const release = await client.createRelease(appId, {
      artifacts: [artifactId],
      processes: { web: { args: WEB_ARGS, service: APP, ports: [{ port: 8000, proto: 'tcp', service: { name: APP, create: true } }] } },
    });
    releaseA = release.id;
    await client.setAppRelease(appId, releaseA);
    await client.createRoute(appId, { type: 'http', service: APP, domain: DOMAIN, drain_backends: true });
  }, 180_000);

  afterAll(async () => {
    await c?.close();
  }, 120_000);

  it('scales web=3: one job per host, all up, each a running container', async () => {
    const c = cluster();
    await c.client.putFormation({ app: appId, release: releaseA, processes: { web: 3 } });
    const up = await upCount(3);
    expect(new Set(up.map((j) => j.host_id))).toEqual(new Set(c.hosts.map((h) => h.id)));
    for (const j of up) {
      const active = await c.hostById(j.host_id!).client.getJob(j.id!);
      expect(active.status).toBe('running');
      expect(active.pid).toBeGreaterThan(0);
    }
  });

  it('a killed container process (kill -9 of its pid from the root namespace) is replaced by a new job', async () => {
    const c = cluster();
    const before = await upCount(3);
    const victim = before[1]!;
    const host = c.hostById(victim.host_id!);
    const { pid } = await host.client.getJob(victim.id!);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const after = await waitFor(
      async () => {
        const up = await jobs('up');
        return up.length === 3 && !up.some((j) => j.id === victim.id) ? up : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: `a replacement for ${victim.id}` },
    );
    const fresh = after.filter((j) => !before.some((b) => b.id === j.id));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.id).not.toBe(victim.id);
    expect((await c.client.getJob(appId, victim.id!)).state).not.toBe('up');
    expect(['crashed', 'failed', 'done']).toContain((await host.client.getJob(victim.id!)).status);
  });

  it('scales to 1: two jobs stopped (down in the controller, their containers gone from running)', async () => {
    const c = cluster();
    const before = await upCount(3);
    await c.client.putFormation({ app: appId, release: releaseA, processes: { web: 1 } });
    const [kept] = await upCount(1);
    const stopped = before.filter((j) => j.id !== kept!.id);
    expect(stopped).toHaveLength(2);
    for (const j of stopped) {
      await waitFor(async () => (await c.client.getJob(appId, j.id!)).state === 'down', { timeoutMs: 30_000, what: `${j.id} down` });
      expect((await c.hostById(j.host_id!).client.getJob(j.id!)).status).not.toBe('running');
    }
  });

  it('deploys a new release of the same image one by one under HTTP load through a router, with no failed request', async () => {
    const c = cluster();
    await c.client.putFormation({ app: appId, release: releaseA, processes: { web: 3 } });
    await upCount(3, releaseA);
    const h1 = c.host(1);
    const url = `http://${h1.ip}:${ROUTER_HTTP_PORT}/`;
    const cgi = `${url}cgi-bin/r`;
    await waitFor(async () => (await runIn(h1.ns, ['curl', '-s', '-H', `Host: ${DOMAIN}`, url]).catch(() => '')).includes(`release=${releaseA}`), { what: 'A through the router' });
    const releaseB = (
      await c.client.createRelease(appId, {
        artifacts: [artifactId],
        env: { VERSION: 'b' },
        processes: { web: { args: WEB_ARGS, service: APP, ports: [{ port: 8000, proto: 'tcp', service: { name: APP, create: true } }] } },
      })
    ).id;
    const script = join(c.dir, 'load.mjs');
    const stopFile = join(c.dir, 'load.stop');
    await writeFile(script, LOAD_SCRIPT);
    const load = runIn(h1.ns, [process.execPath, script, cgi, DOMAIN, stopFile, '20000'], { timeoutMs: 170_000 });
    try {
      const deployment = await c.client.createDeployment(appId, releaseB);
      const done = await waitFor(
        async () => {
          const d = await c.client.getDeployment(deployment.id);
          return d.status === 'complete' || d.status === 'failed' ? d : undefined;
        },
        { timeoutMs: 150_000, intervalMs: 500, what: 'the deployment to finish' },
      );
      expect(done.status).toBe('complete');
      expect(done.strategy).toBe('one-by-one');
      const up = await upCount(3, releaseB);
      expect(new Set(up.map((j) => j.host_id)).size).toBe(3);
      // Let the routers see only B before stopping the load.
      await waitFor(async () => (await runIn(h1.ns, ['curl', '-s', '-H', `Host: ${DOMAIN}`, url]).catch(() => '')).includes(`release=${releaseB}`), { what: 'B through the router' });
    } finally {
      await writeFile(stopFile, '');
    }
    const result = JSON.parse(await load) as { byRelease: Record<string, number>; failures: string[]; n: number };
    expect(result.failures, `${result.n} requests: ${JSON.stringify(result.byRelease)}`).toEqual([]);
    expect(result.n).toBeGreaterThan(50);
    expect(result.byRelease[releaseA]).toBeGreaterThan(0);
    expect(result.byRelease[releaseB]).toBeGreaterThan(0);
    expect(Object.keys(result.byRelease).sort()).toEqual([releaseA, releaseB].sort());
  });
});
