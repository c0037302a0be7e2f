/**
 * Issue #10, as root: the SHIPPED manifest (manifests/cluster.json) on 3
 * hosts in network namespaces that run nothing but `flynn-host --driver oci`
 * (netns-bare.ts). The release images (buildReleaseImages: node + the built
 * daemons under /opt/flynn-ts, PostgreSQL 15) are served over HTTP from
 * inside host 1's namespace, and `flynn-host bootstrap --min-hosts=3
 * --peer-ips=… cluster.json` runs in host 1's namespace. Everything else —
 * discoverd and flannel as host-network omni jobs, PostgreSQL, the
 * controller and its scheduler, the router, the blobstore, the log
 * aggregator — comes from the manifest as jobs, as in the original.
 *
 * Proves: every step succeeds; discoverd forms one 3-node raft; every system
 * component is an app in the controller; `controller.<domain>` answers
 * through the router of every host; the final `flynn cluster add` line
 * carries the certificate pin, the domain and the controller key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReleaseImages } from '../src/images/release-images.js';
import { BareNetnsCluster } from './netns-bare.js';
import type { Proc } from './netns-procs.js';
import { REPO_ROOT, runIn, TSX } from './netns-procs.js';

const missing = missingRequirements({
  root: true,
  commands: ['runc', 'conmon', 'ip', 'nsenter', 'nft', 'mksquashfs', 'unsquashfs', 'ldd', 'mount', 'curl', 'openssl'],
  paths: ['/usr/bin/busybox', '/usr/bin/tini-static', '/usr/lib/postgresql/15/bin/postgres', join(REPO_ROOT, 'daemons/discoverd/dist/main.js')],
});

const MANIFEST = join(REPO_ROOT, 'packages/bootstrap/manifests/cluster.json');
const DOMAIN = `c${process.pid}.cluster.test`;
const KEY = randomBytes(16).toString('hex');
const SYSTEM_APPS = ['blobstore', 'controller', 'discoverd', 'flannel', 'logaggregator', 'postgres', 'router'];

describe.skipIf(missing)('the shipped cluster.json on 3 bare hosts (root, oci driver)', () => {
  let images = '';
  let c: BareNetnsCluster | undefined;
  let bootstrap: Proc | undefined;
  let output = '';
  const cluster = () => c!;

  /** curl from inside host i's namespace: status and body. */
  const curl = async (i: number, url: string, headers: string[] = []): Promise<{ status: number; body: string }> => {
    const args = ['curl', '-sS', '--max-time', '10', ...headers.flatMap((h) => ['-H', h]), '-o', '-', '-w', '\n%{http_code}', url];
    const out = await runIn(cluster().host(i).ns, args, { timeoutMs: 20_000 }).catch((err: Error) => `${err.message}\n0`);
    const nl = out.lastIndexOf('\n');
    return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
  };

  beforeAll(async () => {
    images = mkdtempSync(join(tmpdir(), `flynn-release-images-${process.pid}-`));
    const built = await buildReleaseImages({ repoRoot: REPO_ROOT, dir: images, node: process.execPath });
    c = await BareNetnsCluster.start({ hosts: 3, tag: 'm', slot: 1, serveDir: images });
    const base = cluster().imageBaseUrl;
    const h1 = cluster().host(1);
    bootstrap = cluster().spawn(h1, 'bootstrap', [
      process.execPath, ...TSX, 'daemons/host/src/main.ts', 'bootstrap', '--min-hosts=3', `--peer-ips=${cluster().hosts.map((h) => h.ip).join(',')}`,
      '--timeout=240', MANIFEST,
    ], {
      CLUSTER_DOMAIN: DOMAIN,
      CONTROLLER_KEY: KEY,
      FLYNN_IMAGE_URL: `${base}/${basename(built.flynn.manifestPath)}`,
      FLYNN_POSTGRES_IMAGE_URL: `${base}/${basename(built.postgres.manifestPath)}`,
      FLYNN_LAYER_URL: `${base}/layers/{id}.squashfs`,
    });
    const status = await bootstrap.exited;
    output = bootstrap.lines.join('\n');
    if (status.code !== 0) throw new Error(`flynn-host bootstrap exited ${JSON.stringify(status)}:\n${output}\n${cluster().tails(25)}`);
  }, 900_000);

  afterAll(async () => {
    await c?.close();
    if (images) rmSync(images, { recursive: true, force: true });
  }, 180_000);

  it('runs every step of the shipped manifest', () => {
    const steps = (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { id: string }[]).map((s) => s.id);
    for (const id of steps) expect(output, id).toMatch(new RegExp(`✓ \\[\\s*\\d+/${steps.length}\\] ${id}\\s`));
    expect(output).not.toMatch(/✗/);
  });

  it('prints the flynn cluster add line with the pin, the domain and the key', () => {
    expect(output).toMatch(new RegExp(`^flynn cluster add -p [A-Za-z0-9+/=]{44} default ${DOMAIN.replace(/\./g, '\\.')} ${KEY}$`, 'm'));
  });

  it('discoverd (a job on every host) forms one 3-node raft', async () => {
    const views = [];
    for (const h of cluster().hosts) {
      const leader = await curl(h.index, `http://${h.ip}:1111/raft/leader`);
      const peers = await curl(h.index, `http://${h.ip}:1111/raft/peers`);
      views.push({ leader: (JSON.parse(leader.body) as { host: string }).host, peers: (JSON.parse(peers.body) as string[]).sort() });
    }
    expect(views[0]!.peers).toEqual(cluster().hosts.map((h) => `${h.ip}:1111`).sort());
    for (const v of views) expect(v).toEqual(views[0]);
  });

  it('every system component is an app in the controller, reached through a router', async () => {
    const res = await curl(1, `http://${cluster().host(1).ip}/apps`, [`Host: controller.${DOMAIN}`, `Authorization: Basic ${Buffer.from(`:${KEY}`).toString('base64')}`]);
    expect(res.status, res.body).toBe(200);
    const apps = (JSON.parse(res.body) as { name: string; meta?: Record<string, string> }[]).filter((a) => a.meta?.['flynn-system-app'] === 'true').map((a) => a.name).sort();
    expect(apps).toEqual(SYSTEM_APPS);
  });

  it('controller.<domain> answers through the router of every host', async () => {
    for (const h of cluster().hosts) {
      const res = await curl(h.index, `http://${h.ip}/ping`, [`Host: controller.${DOMAIN}`]);
      expect(res.status, `h${h.index}: ${res.body}`).toBe(200);
    }
  });
});
