/**
 * `npm start` as a user runs it: `node scripts/start.mjs` as a subprocess
 * with its data in a temp dir and its own ports. It must print the demo
 * URL; the demo app must answer through the router (real curl); the printed
 * `flynn cluster add` line and `flynn apps` must work with the printed CLI;
 * bootstrapping the running cluster again must be refused; SIGINT must stop
 * every process it started (checked by PID); a second start must resume
 * the same cluster without bootstrapping. A bad manifest must be refused
 * with an error naming the step and the field.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapCommand, shippedManifestPath } from '../src/index.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const pgBin = process.env.FLYNN_PG_BIN || process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
const missing = missingRequirements({ commands: ['curl', 'openssl', 'setsid'], paths: [join(pgBin, 'initdb'), join(pgBin, 'postgres'), join(pgBin, 'psql')] });

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** This machine's environment without the settings of a developer's own cluster (FLYNN_MANIFEST is kept). */
function baseEnv(): Record<string, string | undefined> {
  const drop = /^(FLYNN_(DATA|PORT_BASE|TIMEOUT|\w+_PORT)|CLUSTER_DOMAIN|CONTROLLER_KEY|TLS_(CA|CERT|KEY)|NODE_OPTIONS)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !drop.test(k)));
}

function startCluster(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: repo, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits for the printed demo curl line; fails with the output as soon as the start fails. */
async function waitUp(run: Run): Promise<{ host: string; url: string }> {
  const printed = waitFor(
    () => {
      const m = /curl -H 'Host: ([^']+)' (http:\/\/\S+)/.exec(run.output());
      return m ? { host: m[1]!, url: m[2]! } : undefined;
    },
    { what: "the demo URL in npm start's output", timeoutMs: 150_000, intervalMs: 200 },
  );
  const failed = run.exited.then((code) => {
    throw new Error(`npm start exited with ${code}`);
  });
  try {
    return await Promise.race([printed, failed]);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- npm start's output ---\n${run.output()}`);
  } finally {
    failed.catch(() => {});
  }
}

function exec(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repo, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Every live descendant of `pid` (from /proc), zombies excluded. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z';
}

/** SIGINT, then every process the run had started must be gone. */
async function stopAndCheck(run: Run): Promise<void> {
  const pids = descendants(run.child.pid!);
  expect(pids.length).toBeGreaterThanOrEqual(6); // discoverd, flynn-host, postgres (+ its workers), jobs
  run.child.kill('SIGINT');
  expect(await run.exited).toBe(0);
  expect(run.output()).toMatch(/stopped; the data is kept in/);
  await waitFor(() => pids.every((p) => !alive(p)), { what: `processes ${pids.filter(alive).join(', ')} to exit`, timeoutMs: 30_000 });
  spawned.push(...pids);
}

const spawned: number[] = [];

/** A block of 20 ports below the ephemeral range (where other tests' port-0 sockets live) that is free now. */
async function freePortBase(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let i = 0; i < 120; i++) {
    const base = 20_000 + ((process.pid + i) % 120) * 100;
    let ok = true;
    for (let p = base; p < base + 20 && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error('no free block of 20 ports between 20000 and 32000');
}

describe.skipIf(missing)('npm start', () => {
  let base: number;
  let tmp: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    base = await freePortBase();
    tmp = mkdtempSync(join(tmpdir(), 'flynn-start-'));
    // PostgreSQL runs as an unprivileged user when this is root: it must reach its directory.
    chmodSync(tmp, 0o755);
    env = { FLYNN_DATA: join(tmp, 'data'), FLYNN_PORT_BASE: String(base), FLYNN_TIMEOUT: '60', CLUSTER_DOMAIN: 'flynn.localhost' };
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
    await stopAndCheck(first);
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
    await stopAndCheck(second);
  }, 180_000);
});
