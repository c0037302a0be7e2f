/**
 * `npm start` as a user runs it: `node scripts/start.mjs` as a subprocess
 * with its data in a temp dir and its own ports. It must print the demo
 * URL; the demo app must answer through the router (real curl); the printed
 * `flynn cluster add` line and `flynn apps` must work with the printed CLI;
 * bootstrapping the running cluster again must be refused; SIGINT must stop
 * every process it started (checked by PID); a second start must resume
 * the same cluster without bootstrapping. A bad manifest must be refused
 * with an error naming the step and the field. It forces the process driver
 * (FLYNN_DRIVER=process), which as root would otherwise be oci (covered by
 * start-oci.priv.test.ts).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapCommand, shippedManifestPath } from '../src/index.js';
import type { Run } from './start-harness.js';
import { alive, exec, freePortBase, startCluster, stopAndCheck, waitUp } from './start-harness.js';
const pgBin = process.env.FLYNN_PG_BIN || process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
const missing = missingRequirements({ commands: ['curl', 'openssl', 'setsid'], paths: [join(pgBin, 'initdb'), join(pgBin, 'postgres'), join(pgBin, 'psql')] });

const spawned: number[] = [];

describe.skipIf(missing)('npm start', () => {
  let base: number;
  let tmp: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    base = await freePortBase();
    tmp = mkdtempSync(join(tmpdir(), 'flynn-start-'));
    // PostgreSQL runs as an unprivileged user when this is root: it must reach its directory.
    chmodSync(tmp, 0o755);
    env = { FLYNN_DATA: join(tmp, 'data'), FLYNN_PORT_BASE: String(base), FLYNN_TIMEOUT: '60', CLUSTER_DOMAIN: 'flynn.localhost', FLYNN_DRIVER: 'process' };
  });

  afterAll(() => {
    for (const pid of spawned) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a bad manifest with an error naming the step and the field, starting nothing', async () => {
    const bad = JSON.parse(readFileSync(shippedManifestPath('dev'), 'utf8')) as Record<string, unknown>[];
    const controller = bad.find((s) => s.id === 'controller')!;
    delete controller.release;
    writeFileSync(join(tmp, 'bad.json'), JSON.stringify(bad));
    const run = startCluster({ ...env, FLYNN_DATA: join(tmp, 'bad-data'), FLYNN_MANIFEST: join(tmp, 'bad.json') });
    expect(await run.exited).toBe(1);
    const index = bad.indexOf(controller) + 1;
    expect(run.output()).toContain(`step ${index} (controller): run-app: missing field "release"`);
    expect(() => readdirSync(join(tmp, 'bad-data'))).toThrow();
  });

  let first: Run;
  let demo: { host: string; url: string };

  it('boots a cluster whose demo app answers through the router', async () => {
    first = startCluster(env);
    spawned.push(first.child.pid!);
    demo = await waitUp(first);
    expect(demo.url).toBe(`http://127.0.0.1:${base + 5}/`);
    expect(first.output()).toMatch(/flynn-host .*process driver \(FLYNN_DRIVER=process\)/);
    expect(first.output()).toMatch(/✓ \[\s*\d+\/\d+\] demo-wait/);
    const curl = await exec('curl', ['-sS', '--max-time', '10', '-H', `Host: ${demo.host}`, demo.url]);
    expect(curl.stderr).toBe('');
    expect(curl.stdout).toMatch(/^Hello from flynn-ts!/);
    expect(curl.stdout).toMatch(/app: +demo\n/);
  }, 180_000);

  it('the printed `flynn cluster add` line and `flynn apps` work with the printed CLI', async () => {
    const line = /^\s*(flynn cluster add .+)$/m.exec(first.output())?.[1];
    expect(line).toBeDefined();
    const cli = /The flynn CLI of this checkout is (\S+):/.exec(first.output())?.[1];
    expect(cli).toBe(join(env.FLYNN_DATA!, 'bin', 'flynn'));
    const home = join(tmp, 'home');
    mkdirSync(home, { recursive: true });
    const cliEnv = { FLYNNRC: join(tmp, 'flynnrc'), HOME: home };
    const add = await exec(cli!, line!.split(/\s+/).slice(1), cliEnv);
    expect(add).toMatchObject({ code: 0, stdout: expect.stringContaining('Cluster "default" added') });
    const apps = await exec(cli!, ['apps'], cliEnv);
    expect(apps.code).toBe(0);
    const names = apps.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]).filter(Boolean).sort();
    expect(names).toEqual(['blobstore', 'controller', 'demo', 'logaggregator', 'router']);
  }, 60_000);

  it('bootstrapping the running cluster again is refused', async () => {
    let err = '';
    const code = await bootstrapCommand(['--discoverd', `http://127.0.0.1:${base}`, shippedManifestPath('dev')], {
      out: () => {},
      err: (t) => (err += t),
      env: { CLUSTER_DOMAIN: 'flynn.localhost' },
    });
    expect(code).toBe(1);
    expect(err).toMatch(/this cluster is already bootstrapped: discoverd has a controller at 127\.0\.0\.1:\d+/);
    // …and it broke nothing.
    const curl = await exec('curl', ['-sS', '--max-time', '10', '-H', `Host: ${demo.host}`, demo.url]);
    expect(curl.stdout).toMatch(/^Hello from flynn-ts!/);
  });

  it('SIGINT stops every process it started, jobs included', async () => {
    await stopAndCheck(first, spawned);
  }, 90_000);

  it('a second start resumes the same cluster without bootstrapping', async () => {
    const second = startCluster(env);
    spawned.push(second.child.pid!);
    const again = await waitUp(second);
    expect(again).toEqual(demo);
    expect(second.output()).toContain('restart bootstrap jobs');
    expect(second.output()).not.toContain('bootstrapping (');
    const curl = await exec('curl', ['-sS', '--max-time', '10', '-H', `Host: ${again.host}`, again.url]);
    expect(curl.stdout).toMatch(/^Hello from flynn-ts!/);
    await stopAndCheck(second, spawned);
  }, 180_000);
});
