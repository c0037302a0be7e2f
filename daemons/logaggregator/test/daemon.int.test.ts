/**
 * Black-box: real `flynn-logaggregator` processes (`node --conditions=@flynn-ts/source
 * --import tsx daemons/logaggregator/src/main.ts`) on loopback, with a
 * discoverd stand-in (the in-memory discoverd HTTP API). Lines go in over
 * syslog TCP, come out over HTTP; a second instance refills from the first
 * through discovery; SIGTERM stops each with exit code 0 and JSON log lines.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';
import { MemoryDiscoveryStore, serveMemoryDiscovery } from '@flynn-ts/discovery/testing';
import type { MemoryDiscoveryServer } from '@flynn-ts/discovery/testing';
import { logEntry, syslogFrame } from '@flynn-ts/logaggregator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = join(ROOT, 'daemons/logaggregator/src/main.ts');

interface Daemon {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  api: string;
  syslogPort: number;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
});

async function spawnDaemon(env: Record<string, string>): Promise<Daemon> {
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, '--api-addr', '127.0.0.1:0', '--syslog-addr', '127.0.0.1:0'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const started = await waitFor(() => logs.find((l) => l.event === 'started') ?? (child.exitCode !== null ? { failed: logs } : undefined), { timeoutMs: 30_000, what: 'the daemon started' });
  if ('failed' in started) throw new Error(`daemon exited: ${JSON.stringify(logs)}`);
  return { child, logs, exited, api: started.api as string, syslogPort: started.syslogPort as number };
}

function send(port: number, frames: Uint8Array[]): Promise<void> {
  return new Promise((resolveSend, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(Buffer.concat(frames)));
    s.on('error', reject);
    s.on('close', () => resolveSend());
  });
}

async function stop(d: Daemon): Promise<number | null> {
  d.child.kill('SIGTERM');
  const code = await d.exited;
  children.delete(d.child);
  return code;
}

describe('flynn-logaggregator daemon', () => {
  let store: MemoryDiscoveryStore;
  let discoverd: MemoryDiscoveryServer;

  beforeAll(async () => {
    store = new MemoryDiscoveryStore();
    discoverd = await serveMemoryDiscovery(store);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await discoverd?.close();
    store?.close();
  });

  it('takes syslog lines, serves them, registers, refills a second instance, and stops on SIGTERM', async () => {
    const env = { DISCOVERD: discoverd.url };
    const first = await spawnDaemon(env);
    await send(first.syslogPort, Array.from({ length: 50 }, (_, i) => syslogFrame(logEntry({ seq: i + 1 }))));
    await waitFor(async () => ((await (await fetch(`${first.api}/log/app1`)).text()).match(/\n/g) ?? []).length === 50, { what: '50 lines served' });
    const instances = store.getInstances('logaggregator') ?? [];
    expect(instances.map((i) => i.addr)).toEqual([`127.0.0.1:${first.syslogPort}`]);
    expect(instances[0]!.meta).toEqual({ API_PORT: new URL(first.api).port });

    const second = await spawnDaemon(env);
    const lines = (await (await fetch(`${second.api}/log/app1`)).text()).split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i + 1}`));
    expect(await (await fetch(`${second.api}/cursors`)).json()).toEqual({ host1: { seq: 50, time: logEntry({ seq: 50 }).timestamp } });

    expect(await stop(second)).toBe(0);
    expect(await stop(first)).toBe(0);
    expect(store.getInstances('logaggregator') ?? []).toEqual([]);
    expect(first.logs.some((l) => l.event === 'stopped' && l.level === 'info')).toBe(true);
    expect(first.logs.every((l) => !('raw' in l))).toBe(true);
  });

  it('exits 2 with one clear line for a bad flag', async () => {
    const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, '--api-addr', 'nope'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    children.delete(child);
    expect(code).toBe(2);
    expect(err).toMatch(/^flynn-logaggregator: --api-addr must be HOST:PORT/);
  });
});
