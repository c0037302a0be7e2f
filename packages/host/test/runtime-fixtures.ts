import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';
import type { ContainerSpec } from '../src/contracts.js';

/**
 * A ~2 MB busybox-static root filesystem: /bin/busybox plus a symlink per
 * applet, the usual empty mount points and a minimal /etc. Built by the
 * tests themselves (no image download).
 */
export function buildBusyboxRootfs(dir: string, busybox = '/usr/bin/busybox'): string {
  for (const d of ['bin', 'proc', 'dev', 'sys', 'etc', 'tmp', 'root', 'run', 'var']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of applets) {
    const link = join(dir, 'bin', a);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'etc', 'hostname'), 'image\n');
  return dir;
}

/** A ContainerSpec with test defaults; override what a test needs. */
export function testSpec(over: Partial<ContainerSpec> & Pick<ContainerSpec, 'jobId' | 'args' | 'stateDir'>): ContainerSpec {
  return {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', FLYNN_TEST: '1' },
    hostname: `job-${over.jobId}`,
    tty: false,
    stdin: false,
    tempDiskBytes: 16 * 1024 * 1024,
    limits: { memoryBytes: 128 * 1024 * 1024, cpuShares: 1024, maxFd: 1000, pids: 100 },
    network: { mode: 'host' },
    mounts: [],
    ...over,
  };
}

/** Collects a handle's whole output (to its end) as text per stream plus the last cursor. */
export async function collectOutput(it: AsyncIterable<{ stream: string; data: Buffer; cursor: string }>): Promise<{ stdout: string; stderr: string; cursor: string | undefined; chunks: number }> {
  let stdout = '';
  let stderr = '';
  let cursor: string | undefined;
  let chunks = 0;
  for await (const c of it) {
    if (c.stream === 'stdout') stdout += c.data.toString();
    else stderr += c.data.toString();
    cursor = c.cursor;
    chunks++;
  }
  return { stdout, stderr, cursor, chunks };
}

/** Removes cgroup directories named `name` (and below) in every v1 controller / the v2 tree. Best effort, deepest first. */
export function removeCgroupDirs(name: string): void {
  const roots = ['/sys/fs/cgroup'];
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      if (e === name) collect(p);
      else walk(p, depth + 1);
    }
  };
  const collect = (dir: string) => {
    found.push(dir);
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) collect(join(dir, e.name));
    } catch {
      /* gone */
    }
  };
  for (const r of roots) walk(r, 0);
  for (const d of found.sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(d);
    } catch {
      /* busy or gone */
    }
  }
}

/** Containers still known to the runtime under `root` (`runc list -q`). */
export function listContainers(runtime: string, root: string): string[] {
  const r = spawnSync(runtime, ['--root', root, 'list', '-q'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Starts a job from a separate Node process (a stand-in daemon) and returns both pids. */
export async function startInChildDaemon(driver: 'process' | 'oci', options: object, spec: ContainerSpec): Promise<{ child: number; pid: number }> {
  const script = fileURLToPath(new URL('./runtime-daemon-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', script, JSON.stringify({ driver, options, spec })], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const line = await waitFor(() => (out.includes('\n') ? out.split('\n')[0]! : child.exitCode !== null ? { exited: child.exitCode } : undefined), {
    timeoutMs: 60_000,
    what: 'the child daemon to start the job',
  });
  if (typeof line !== 'string') throw new Error(`child daemon exited ${line.exited} before starting the job: ${err}`);
  return { child: child.pid!, pid: (JSON.parse(line) as { pid: number }).pid };
}
