/**
 * Running `npm start` (`node scripts/start.mjs`) as a subprocess in tests:
 * start it, wait for the printed demo URL (failing with its output as soon
 * as it exits), run commands, find every process it started (by PID, from
 * /proc), SIGINT it and check that they are all gone.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';
import { expect } from 'vitest';

export const repo = fileURLToPath(new URL('../../..', import.meta.url));

export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** This machine's environment without the settings of a developer's own cluster (FLYNN_MANIFEST is kept). */
export function baseEnv(): Record<string, string | undefined> {
  const drop = /^(FLYNN_(DATA|PORT_BASE|TIMEOUT|DRIVER|POSTGRES|PG_BIN|BRIDGE|SUBNET|\w+_PORT)|PG_BIN|CLUSTER_DOMAIN|CONTROLLER_KEY|TLS_(CA|CERT|KEY)|NODE_OPTIONS)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !drop.test(k)));
}

export function startCluster(env: Record<string, string>, as?: { uid: number; gid: number }): Run {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: repo, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits for the printed demo curl line; fails with the output as soon as the start fails. */
export async function waitUp(run: Run, timeoutMs = 150_000): Promise<{ host: string; url: string }> {
  const printed = waitFor(
    () => {
      const m = /curl -H 'Host: ([^']+)' (http:\/\/\S+)/.exec(run.output());
      return m ? { host: m[1]!, url: m[2]! } : undefined;
    },
    { what: "the demo URL in npm start's output", timeoutMs, intervalMs: 200 },
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

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(cmd: string, args: string[], env: Record<string, string> = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repo, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `curl -sS` with a Host header. */
export function curl(demo: { host: string; url: string }): Promise<ExecResult> {
  return exec('curl', ['-sS', '--max-time', '10', '-H', `Host: ${demo.host}`, demo.url]);
}

/** Every live descendant of `pid` (from /proc), zombies excluded. */
export function descendants(pid: number): number[] {
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

export function alive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z';
}

/**
 * SIGINT, then every process the run had started must be gone. `extra` are
 * PIDs started outside its process tree (the oci driver's monitors are
 * their own sessions, re-parented to init): they must be gone too.
 */
export async function stopAndCheck(run: Run, spawned: number[], extra: number[] = []): Promise<void> {
  const pids = [...descendants(run.child.pid!), ...extra];
  expect(pids.length).toBeGreaterThanOrEqual(4); // discoverd, flynn-host, postgres (+ its workers), jobs
  run.child.kill('SIGINT');
  expect(await run.exited).toBe(0);
  expect(run.output()).toMatch(/stopped; the data is kept in/);
  await waitFor(() => pids.every((p) => !alive(p)), { what: `processes ${pids.filter(alive).join(', ')} to exit`, timeoutMs: 30_000 });
  spawned.push(...pids);
}

/** A block of 20 ports in [lo, lo + 6000) (below the ephemeral range, where port-0 sockets live) that is free now. */
export async function freePortBase(lo = 20_000): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let i = 0; i < 60; i++) {
    const base = lo + ((process.pid + i) % 60) * 100;
    let ok = true;
    for (let p = base; p < base + 20 && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error(`no free block of 20 ports between ${lo} and ${lo + 6000}`);
}

/** The printed `flynn cluster add …` line and the CLI path. */
export function printedCli(output: string): { clusterAdd: string[]; cli: string } {
  const line = /^\s*(flynn cluster add .+)$/m.exec(output)?.[1];
  const cli = /The flynn CLI of this checkout is (\S+):/.exec(output)?.[1];
  if (!line || !cli) throw new Error(`no flynn cluster add line or CLI path in:\n${output}`);
  return { clusterAdd: line.split(/\s+/).slice(1), cli };
}
