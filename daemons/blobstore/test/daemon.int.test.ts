/**
 * Black-box: real `flynn-blobstore` processes (`node --conditions=@flynn-ts/source
 * --import tsx daemons/blobstore/src/main.ts`) on loopback, with the
 * directory backend and with PostgreSQL (DATABASE_URL), registering in a
 * discoverd stand-in; curl stores and reads a blob; SIGTERM ends them with
 * exit code 0.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { MemoryDiscoveryStore, serveMemoryDiscovery } from '@flynn-ts/discovery/testing';
import type { MemoryDiscoveryServer } from '@flynn-ts/discovery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = join(ROOT, 'daemons/blobstore/src/main.ts');
const curl = promisify(execFile);
const curlMissing = missingRequirements({ commands: ['curl'] });
const pgMissing = testPostgresMissing();

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
});

async function spawnDaemon(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, '--addr', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
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
  const started = await waitFor(() => logs.find((l) => l.event === 'started') ?? (child.exitCode !== null ? { failed: true } : undefined), { timeoutMs: 30_000, what: 'flynn-blobstore started' });
  if ('failed' in started) throw new Error(`flynn-blobstore exited: ${JSON.stringify(logs)}`);
  const stop = async () => {
    child.kill('SIGTERM');
    const code = await exited;
    children.delete(child);
    return code;
  };
  return { url: started.url as string, logs, stop };
}

describe.skipIf(curlMissing)('flynn-blobstore daemon', () => {
  let store: MemoryDiscoveryStore;
  let discoverd: MemoryDiscoveryServer;
  let dir: string;
  let pg: TestPostgres | undefined;

  beforeAll(async () => {
    store = new MemoryDiscoveryStore();
    discoverd = await serveMemoryDiscovery(store);
    dir = await mkdtemp(join(tmpdir(), `flynn-blobd-${process.pid}-`));
    if (!pgMissing) pg = await startTestPostgres();
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await pg?.stop();
    await discoverd?.close();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const roundTrip = async (url: string) => {
    await curl('curl', ['-sSf', '-X', 'PUT', '--data-binary', 'hello blob', '-H', 'content-type: text/plain', `${url}/slugs/app.txt`]);
    const { stdout } = await curl('curl', ['-sSf', `${url}/slugs/app.txt`]);
    expect(stdout).toBe('hello blob');
    expect(JSON.parse((await curl('curl', ['-sSf', `${url}/?dir=/slugs`])).stdout)).toEqual(['/slugs/app.txt']);
  };

  it('serves blobs from a directory, registered as blobstore, and stops on SIGTERM', async () => {
    const d = await spawnDaemon(['--dir', dir], { DISCOVERD: discoverd.url });
    await roundTrip(d.url);
    expect((store.getInstances('blobstore') ?? []).map((i) => i.addr)).toEqual([new URL(d.url).host]);
    expect(await d.stop()).toBe(0);
    expect(store.getInstances('blobstore') ?? []).toEqual([]);
    expect(d.logs.some((l) => l.event === 'stopped')).toBe(true);
    expect(d.logs.every((l) => !('raw' in l))).toBe(true);
  });

  it.skipIf(pgMissing)('serves blobs from PostgreSQL given DATABASE_URL (migrating it first)', async () => {
    const d = await spawnDaemon([], { DATABASE_URL: await pg!.createDatabase() });
    await roundTrip(d.url);
    expect(d.logs.some((l) => l.event === 'migration_applied')).toBe(true);
    expect(await d.stop()).toBe(0);
  });

  it('exits 2 with one clear line without a backend', async () => {
    const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    children.add(child);
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    children.delete(child);
    expect(code).toBe(2);
    expect(err).toMatch(/^flynn-blobstore: no backend/);
  });
});
