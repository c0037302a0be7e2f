/**
 * Issue #10, as root: a 3-host cluster where each host is a network namespace
 * this file creates (netns-cluster.ts: own IP, discoverd, flannel VXLAN
 * overlay, flynn-host with the oci driver, a router; controller and scheduler
 * on host 1), bootstrapped with `runBootstrap` and a manifest of its own:
 * discoverd forms one 3-node raft, the web process type (busybox httpd in a
 * squashfs image built here) spreads one job per host, each job has an
 * overlay IP of its host's /24, and the app answers through the router of
 * every host — host 1's router reaching jobs on hosts 2 and 3 over the overlay.
 */
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../src/core/parse-manifest.js';
import { runBootstrap } from '../src/run-bootstrap.js';
import { NetnsCluster, netnsClusterMissing, ROUTER_HTTP_PORT } from './netns-cluster.js';
import { curlIn, runIn } from './netns-procs.js';

const missing = netnsClusterMissing();

const APP = `web${process.pid}`;
const DOMAIN = `${APP}.cluster.test`;
/** The page names the job (whose id starts with its host's id) and its IP. */
const WEB_ARGS = ['/bin/sh', '-c', 'mkdir -p /tmp/www && echo "job=$FLYNN_JOB_ID ip=$EXTERNAL_IP release=$FLYNN_RELEASE_ID" > /tmp/www/index.html && exec httpd -f -p $PORT -h /tmp/www'];

function manifest(c: NetnsCluster): string {
  return JSON.stringify([
    { id: 'wait-hosts', action: 'wait-hosts', require: ['discoverd', 'network'] },
    { id: 'controller-key', action: 'gen-random', controller_key: true, data: '{{ getenv `CONTROLLER_KEY` }}' },
    {
      id: 'web',
      action: 'deploy-app',
      app: { name: APP },
      artifacts: [{ type: 'flynn', uri: c.imageManifestUrl, layer_url_template: c.layerUrlTemplate }],
      release: { processes: { web: { args: WEB_ARGS, service: APP, ports: [{ port: 8000, proto: 'tcp', service: { name: APP, create: true } }] } } },
      processes: { web: 1 },
    },
    { id: 'web-scale', action: 'scale-app', app_step: 'web', processes: { web: 3 } },
    { id: 'web-route', action: 'add-route', app_step: 'web', route: { type: 'http', service: APP, domain: DOMAIN, drain_backends: true } },
    { id: 'web-wait', action: 'wait', url: `${c.routerUrl(1)}/`, host: DOMAIN },
    { id: 'status-check', action: 'status-check', apps: [APP] },
  ]);
}

describe.skipIf(missing)('a bootstrapped 3-host cluster in network namespaces (root, oci driver, overlay)', () => {
  let c: NetnsCluster | undefined;
  const cluster = () => c!;

  beforeAll(async () => {
    c = await NetnsCluster.start({ hosts: 3, tag: 'a', slot: 0 });
  }, 180_000);

  afterAll(async () => {
    await c?.close();
  }, 120_000);

  it('discoverd forms one 3-node raft: every node sees the same leader and the 3 hosts as peers', async () => {
    const c = cluster();
    const want = c.hosts.map((h) => `${h.ip}:1111`).sort();
    const views = await waitFor(async () => {
      const v = await Promise.all(c.hosts.map((h) => c.raft(h).catch(() => undefined)));
      return v.every((x) => x !== undefined && x.leader === v[0]?.leader) ? (v as { leader: string; peers: string[] }[]) : undefined;
    });
    for (const v of views) expect(v.peers).toEqual(want);
    expect(want).toContain(views[0]!.leader);
  });

  it('runBootstrap: waits for the 3 hosts, deploys web=1 through the controller (image layers over HTTP), scales it to 3, adds its route, checks it', async () => {
    const c = cluster();
    const events: string[] = [];
    const result = await runBootstrap(parseManifest(manifest(c)), {
      discoverd: c.discoverdUrls,
      hostUrls: c.hosts.map((h) => h.url),
      controllerUrl: c.controllerUrl,
      minHosts: 3,
      env: { CONTROLLER_KEY: c.key },
      checkBootstrapped: false, // the controller daemon registers itself before the bootstrap runs
      timeoutMs: 90_000,
      onEvent: (e) => {
        events.push(e.type === 'progress' ? `  ${e.id}: ${e.message}` : `${e.type} ${e.id}${e.type === 'failed' ? `: ${e.error}` : ''}`);
      },
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${events.join('\n')}\n${c.tails()}`, { cause: err });
    });
    expect(events.filter((e) => e.startsWith('done ')).map((e) => e.slice(5))).toEqual(['wait-hosts', 'controller-key', 'web', 'web-scale', 'web-route', 'web-wait', 'status-check']);
    expect((result.stepData['wait-hosts'] as { hosts: unknown[] }).hosts).toHaveLength(3);
    expect(result.controllerKey).toBe(c.key);
  });

  it('spreads web=3 one job per host, each with an overlay IP from its own host’s /24', async () => {
    const c = cluster();
    const up = await waitFor(async () => {
      const jobs = (await c.client.jobList(APP)).filter((j) => j.state === 'up' && j.type === 'web');
      return jobs.length === 3 ? jobs : undefined;
    });
    const diagnostics = async () => JSON.stringify((await c.client.jobList(APP)).map((j) => [j.id, j.state, j.created_at, j.updated_at])) + '\n' + c.tails(30);
    expect(new Set(up.map((j) => j.host_id)), await diagnostics()).toEqual(new Set(c.hosts.map((h) => h.id)));
    for (const j of up) {
      const h = c.hostById(j.host_id!);
      const active = await h.client.getJob(j.id!);
      expect(active.status).toBe('running');
      // Its layer came from the image server on h1, over the cluster network.
      expect(active.job.mountspecs?.[0]?.url).toBe(c.layerUrlTemplate.replace('{id}', c.image.mountspecs[0]!.id!));
      const net = h.subnet.replace(/\.0\/24$/, '.');
      expect(active.internal_ip, `${j.id} on ${h.id} (${h.subnet})`).toMatch(new RegExp(`^${net.replace(/\./g, '\\.')}\\d+$`));
    }
    // Three different /24s: one per host.
    expect(new Set(c.hosts.map((h) => h.subnet)).size).toBe(3);
  });

  it('answers through the router of every host; host 1’s router reaches the jobs on hosts 2 and 3 over the overlay', async () => {
    const c = cluster();
    const jobHosts = new Map<number, Set<string>>();
    for (const h of c.hosts) {
      const seen = new Set<string>();
      jobHosts.set(h.index, seen);
      // Each router follows the route on its own: wait for its first answer, then sample until every host answered.
      await waitFor(async () => (await curlIn(h.ns, `http://${h.ip}:${ROUTER_HTTP_PORT}/`, { host: DOMAIN })).status === 200, { what: `the app through the router of h${h.index}` });
      for (let i = 0; i < 60 && seen.size < 3; i++) {
        const res = await curlIn(h.ns, `http://${h.ip}:${ROUTER_HTTP_PORT}/`, { host: DOMAIN });
        expect(res.status, res.body).toBe(200);
        const job = /job=(\S+)/.exec(res.body)?.[1] ?? '';
        const from = c.hosts.find((x) => job.startsWith(`${x.id}-`));
        expect(from, res.body).toBeDefined();
        seen.add(from!.id);
      }
    }
    for (const [, seen] of jobHosts) expect([...seen].sort()).toEqual(c.hosts.map((x) => x.id).sort());
  });

  it('host 1 reaches the jobs of hosts 2 and 3 through the VXLAN device flannel.1', async () => {
    const c = cluster();
    const up = (await c.client.jobList(APP)).filter((j) => j.state === 'up' && j.type === 'web' && j.host_id !== c.host(1).id);
    expect(up).toHaveLength(2);
    for (const j of up) {
      const ip = (await c.hostById(j.host_id!).client.getJob(j.id!)).internal_ip!;
      const route = await runIn(c.host(1).ns, ['ip', 'route', 'get', ip]);
      expect(route, `h1 → ${ip}`).toMatch(/ dev flannel\.1 /);
      const res = await curlIn(c.host(1).ns, `http://${ip}:8000/`);
      expect(res.body).toContain(`job=${j.id}`);
    }
  });
});
