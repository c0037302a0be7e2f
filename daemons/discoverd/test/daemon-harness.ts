/**
 * Black-box harness: real `discoverd` processes (`node --conditions=@flynn-ts/source
 * --import tsx daemons/discoverd/src/main.ts ...`) on loopback, with temp data
 * dirs, plus small HTTP/SSE/DNS probes. Every process is tracked by PID and
 * killed by `killAll()` (call it in afterAll), and by an exit hook as a last
 * resort.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllTracked, parseLogLine, spawnTracked, waitFor } from '@flynn-ts/core/testing';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const MAIN = join(REPO_ROOT, 'daemons/discoverd/src/main.ts');
export const HOST = '127.0.0.1';

export interface DaemonSpec {
  name: string;
  dataDir: string;
  port: number;
  dnsPort?: number;
  peers?: string[];
  ttl?: string;
  extraArgs?: string[];
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Daemon {
  readonly spec: DaemonSpec;
  readonly pid: number;
  /** `127.0.0.1:port`, the raft id. */
  readonly addr: string;
  readonly url: string;
  /** Parsed JSON log lines (stderr), in order. */
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<ExitInfo>;
  readonly alive: boolean;
  kill(signal?: NodeJS.Signals): void;
}

const spawned: Daemon[] = [];

/** Spawns one daemon and waits until its API answers `/ping`. */
export async function spawnDaemon(spec: DaemonSpec): Promise<Daemon> {
  const addr = `${HOST}:${spec.port}`;
  const args = ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, `-data-dir=${spec.dataDir}`, '--host', HOST, `--addr=${addr}`];
  if (spec.peers) args.push('-peers', spec.peers.join(','));
  if (spec.dnsPort !== undefined) args.push(`--dns-addr=${HOST}:${spec.dnsPort}`);
  args.push(`--ttl=${spec.ttl ?? '2s'}`, ...(spec.extraArgs ?? []));
  const logs: Record<string, unknown>[] = [];
  const proc = spawnTracked([process.execPath, ...args], { name: spec.name, cwd: REPO_ROOT, capture: 'stderr', onLine: (line) => logs.push(parseLogLine(line)) });
  const daemon: Daemon = {
    spec,
    pid: proc.pid,
    addr,
    url: `http://${addr}`,
    logs,
    exited: proc.exited,
    get alive() {
      return proc.alive;
    },
    kill: (signal = 'SIGKILL') => proc.kill(signal),
  };
  spawned.push(daemon);
  await waitFor(
    async () => {
      if (!proc.alive) throw new Error(`${spec.name} exited early: ${JSON.stringify(logs.slice(-5))}`);
      return (await fetch(`${daemon.url}/ping`, { signal: AbortSignal.timeout(1_000) })).status === 200;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `${spec.name} answering /ping` },
  );
  return daemon;
}

/**
 * SIGKILLs every daemon still running (by PID) and waits for them to exit.
 * With `DISCOVERD_TEST_LOGS=<dir>` set, every daemon's log lines are written there first.
 */
export async function killAll(): Promise<void> {
  const logDir = process.env.DISCOVERD_TEST_LOGS;
  if (logDir) {
    await mkdir(logDir, { recursive: true });
    for (const [i, d] of spawned.entries()) {
      await writeFile(join(logDir, `${d.spec.name}-${d.spec.port}-${i}.log`), d.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
    }
  }
  await killAllTracked('SIGKILL', 5_000);
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A port free for both TCP and UDP on 127.0.0.1 (racy by nature; fine for tests). */
export async function freePort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, HOST, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    if (exclude.has(port)) continue;
    const udpOk = await new Promise<boolean>((res) => {
      const u = createSocket('udp4');
      u.once('error', () => res(false));
      u.bind(port, HOST, () => u.close(() => res(true)));
    });
    if (udpOk) return port;
  }
  throw new Error('no free port');
}

export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort(out));
  return [...out];
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** One request with fetch; follows redirects unless `redirect: 'manual'`. */
export async function http(method: string, url: string, body?: unknown, init: { headers?: Record<string, string>; redirect?: 'follow' | 'manual'; raw?: string } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...init.headers };
  let payload: string | undefined = init.raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}), redirect: init.redirect ?? 'follow', signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface RawSse {
  events: Array<{ service: string; kind: string; instance?: { id: string; meta?: Record<string, string> } }>;
  close(): void;
}

/** A raw SSE reader (what curl -N would show), parsing `data:` lines as JSON. */
export function rawSse(url: string): RawSse {
  const ctl = new AbortController();
  const events: RawSse['events'] = [];
  void (async () => {
    const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += value;
      let end: number;
      while ((end = buf.indexOf('\n\n')) !== -1) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        for (const line of frame.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as RawSse['events'][number]);
      }
    }
  })().catch(() => {});
  return { events, close: () => ctl.abort() };
}

/** Runs `dig @127.0.0.1 -p port ...args`; resolves with stdout. */
export function dig(port: number, ...args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile('dig', [`@${HOST}`, '-p', String(port), '+time=2', '+tries=1', ...args], { timeout: 10_000 }, (err, stdout, stderr) =>
      err ? rej(new Error(`${err.message.trim()} (exit ${String(err.code)}): ${`${stdout}${stderr}`.trim().slice(0, 500)}`, { cause: err })) : res(stdout),
    );
  });
}

/** Collects an async iterable's items into an array in the background. */
export function collect<T>(iterable: AsyncIterable<T>): { items: T[]; error: () => unknown } {
  const items: T[] = [];
  let error: unknown;
  void (async () => {
    try {
      for await (const x of iterable) items.push(x);
    } catch (err) {
      error = err;
    }
  })();
  return { items, error: () => error };
}
