/**
 * `npm start` as root with runc: the `oci` driver. Every system component
 * and the demo app must run as a container from the images built of this
 * checkout (runc lists them, with bundles under the data dir), the demo on
 * the host's bridge (registered in discoverd at an address of the bridge's
 * subnet) and answering through the router (real curl); the printed CLI
 * must work (`flynn -a demo ps`, `scale web=2`, and both jobs answer);
 * SIGINT must leave nothing behind (processes, containers, mounts under the
 * data dir, the bridge, the nftables table, the jobs' namespaces); a second
 * start must resume the cluster (images reused, the demo's two jobs back).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountsUnder, teardownOciHost } from '../src/dev/oci-teardown.js';
import type { Run } from './start-harness.js';
import { alive, curl, descendants, exec, freePortBase, printedCli, startCluster, stopAndCheck, waitUp } from './start-harness.js';

const pgBin = process.env.FLYNN_PG_BIN || process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
const missing = missingRequirements({
  root: true,
  commands: ['runc', 'mksquashfs', 'nft', 'ip', 'curl', 'openssl', 'setsid'],
  paths: [join(pgBin, 'initdb'), join(pgBin, 'postgres')],
});

const spawned: number[] = [];
const bridge = `flst${process.pid % 100_000}`;
const octet = 20 + (process.pid % 200);
const subnet = `100.101.${octet}.1/24`;

/** The oci driver's monitors and containers of this data dir (outside npm start's process tree). */
function containerPids(dataDir: string): number[] {
  const dir = join(dataDir, 'host', 'state', 'containers');
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const job of readdirSync(dir)) {
    for (const file of ['conmon.pid', 'container.pid']) {
      let pid = NaN;
      try {
        pid = Number(readFileSync(join(dir, job, file), 'utf8').trim());
      } catch {
        // not written (yet), or gone
      }
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) pids.push(pid, ...descendants(pid));
    }
  }
  return [...new Set(pids)];
}

async function runcContainers(dataDir: string): Promise<string[]> {
  const list = await exec('runc', ['--root', '/run/flynn-ts/runc', 'list', '--format', 'json']);
  const rows = (JSON.parse(list.stdout.trim() || '[]') ?? []) as { id: string; bundle: string; status: string }[];
  return rows.filter((r) => r.bundle.startsWith(`${dataDir}/`)).map((r) => `${r.id} ${r.status}`);
}

/** Nothing of the cluster is left: containers, mounts, the bridge, its nftables table, the jobs' namespaces. */
async function expectNothingLeft(dataDir: string, jobIds: string[]): Promise<void> {
  expect(await runcContainers(dataDir)).toEqual([]);
  expect(mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dataDir)).toEqual([]);
  expect((await exec('ip', ['link', 'show', bridge])).code).not.toBe(0);
  expect((await exec('nft', ['list', 'tables'])).stdout).not.toContain(`flynn-${bridge}`);
  const netns = (await exec('ip', ['netns', 'list'])).stdout;
  expect(jobIds.filter((id) => netns.includes(id))).toEqual([]);
}

describe.skipIf(missing)('npm start as root: the oci driver', () => {
  let tmp: string;
  let env: Record<string, string>;
  let dataDir: string;
  let current: Run | undefined;

  beforeAll(async () => {
    const base = await freePortBase(26_000);
    tmp = mkdtempSync(join(tmpdir(), 'flynn-start-oci-'));
    chmodSync(tmp, 0o755); // PostgreSQL runs as an unprivileged user
    dataDir = join(tmp, 'data');
    env = { FLYNN_DATA: dataDir, FLYNN_PORT_BASE: String(base), FLYNN_TIMEOUT: '90', CLUSTER_DOMAIN: 'flynn.localhost', FLYNN_BRIDGE: bridge, FLYNN_SUBNET: subnet };
  });

  afterAll(async () => {
    // A failed test may leave the cluster running: stop it as a user would, then make sure.
    if (current && current.child.exitCode === null) {
      current.child.kill('SIGINT');
      await Promise.race([current.exited, new Promise((r) => setTimeout(r, 60_000))]);
    }
    for (const pid of [...spawned, ...(tmp ? containerPids(dataDir) : [])]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (tmp) {
      await teardownOciHost({ dataDir, hostStateDir: join(dataDir, 'host', 'state'), bridgeName: bridge });
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  let demo: { host: string; url: string };
  let cliEnv: Record<string, string>;
  let cli: string;
  const jobIds = new Set<string>();

  const demoJobs = async (): Promise<string[]> => {
    const ps = await exec(cli, ['-a', 'demo', 'ps'], cliEnv);
    expect(ps.code).toBe(0);
    return ps.stdout.split('\n').slice(1).filter((l) => /\bweb\s+up\b/.test(l)).map((l) => l.split(/\s+/)[0]!);
  };

  it('boots every component as a container from images of this checkout; the demo answers through the router', async () => {
    const run = (current = startCluster({ ...env, FLYNN_DRIVER: 'oci' }));
    spawned.push(run.child.pid!);
    demo = await waitUp(run);
    expect(run.output()).toMatch(/✓ images .*squashfs/);
    expect(run.output()).toContain(`oci driver (FLYNN_DRIVER=oci), bridge ${bridge} ${subnet}`);
    const res = await curl(demo);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^Hello from flynn-ts!/);
    // controller web + scheduler, router, blobstore, logaggregator, demo: containers of this data dir.
    const containers = await runcContainers(dataDir);
    expect(containers.filter((c) => c.endsWith(' running')).length).toBeGreaterThanOrEqual(6);
    // The demo runs in its own namespace on the bridge: discoverd has it at a bridge address.
    const instances = await exec('curl', ['-sS', '--max-time', '10', '-H', 'Accept: application/json', `http://127.0.0.1:${env.FLYNN_PORT_BASE}/services/demo-web/instances`]);
    expect(instances.stdout).toContain(`"100.101.${octet}.`);
  }, 180_000);

  it('the printed CLI works: flynn -a demo ps, scale web=2, and both jobs answer', async () => {
    const printed = printedCli(current!.output());
    cli = printed.cli;
    mkdirSync(join(tmp, 'home'), { recursive: true });
    cliEnv = { FLYNNRC: join(tmp, 'flynnrc'), HOME: join(tmp, 'home') };
    expect((await exec(cli, printed.clusterAdd, cliEnv)).code).toBe(0);
    expect(await demoJobs()).toHaveLength(1);
    const scale = await exec(cli, ['-a', 'demo', 'scale', 'web=2'], cliEnv);
    expect(scale).toMatchObject({ code: 0, stdout: expect.stringContaining('scale completed') });
    const jobs = await demoJobs();
    expect(jobs).toHaveLength(2);
    for (const j of jobs) jobIds.add(j);
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const job = /job: +(\S+)/.exec((await curl(demo)).stdout)?.[1];
        if (job) seen.add(job);
        return jobs.every((j) => seen.has(j));
      },
      { what: `answers from both demo jobs (seen: ${[...seen].join(', ')})`, timeoutMs: 30_000, intervalMs: 50 },
    );
  }, 90_000);

  it('SIGINT stops everything: processes, containers, mounts, the bridge, nftables, namespaces', async () => {
    await stopAndCheck(current!, spawned, containerPids(dataDir));
    await expectNothingLeft(dataDir, [...jobIds]);
  }, 120_000);

  it('a second start resumes the cluster (no bootstrap, no image build), the demo scaled to 2', async () => {
    const run = (current = startCluster(env));
    spawned.push(run.child.pid!);
    expect(await waitUp(run)).toEqual(demo);
    expect(run.output()).toContain('restart bootstrap jobs');
    expect(run.output()).not.toContain('bootstrapping (');
    expect(run.output()).toContain('oci driver');
    expect(run.output()).not.toContain('✓ images');
    expect((await curl(demo)).stdout).toMatch(/^Hello from flynn-ts!/);
    await waitFor(async () => (await demoJobs()).length === 2, { what: 'two demo jobs up again', timeoutMs: 60_000 });
    for (const j of await demoJobs()) jobIds.add(j);
    await stopAndCheck(run, spawned, containerPids(dataDir));
    await expectNothingLeft(dataDir, [...jobIds]);
  }, 240_000);
});
