/**
 * Controller benchmark: `npm run bench -w @flynn-ts/controller`.
 *
 * Starts a throwaway PostgreSQL 15 (settings printed to stderr), runs the
 * `flynn-controller` daemon as its own process, then measures with wrk:
 *   - `GET /apps` (20 apps) requests/s and latency;
 *   - `POST /releases` (each one an insert + release_artifacts + an event +
 *     NOTIFY, in one transaction) requests/s and latency;
 * and with 100 SSE subscribers on `GET /events`: the time from sending a
 * write to each subscriber receiving its event (fan-out latency).
 *
 * Knobs (env): DUR (s, default 5), CONNS (wrk connections, default 16),
 * SUBS (subscribers, default 100), ROUNDS (fan-out writes, default 50).
 * Ends with one JSON line.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { basicAuthHeader, ControllerClient } from '@flynn-ts/controller';
import type { ControllerEvent } from '@flynn-ts/controller';
import { startTestPostgres } from '@flynn-ts/controller/testing';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const KEY = 'bench-key';
const DUR = Number(process.env.DUR ?? 5);
const CONNS = Number(process.env.CONNS ?? 16);
const SUBS = Number(process.env.SUBS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 50);
const log = (msg: string) => process.stderr.write(`[controller-bench] ${msg}\n`);

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

function wrk(url: string, script: string | undefined): Promise<WrkResult> {
  const args = ['-t', '2', '-c', String(CONNS), '-d', `${DUR}s`, '--latency', '-H', `Authorization: ${basicAuthHeader(KEY)}`];
  if (script) args.push('-s', script);
  args.push(url);
  return new Promise((res, rej) =>
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return rej(err);
      const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
      const ms = (re: RegExp) => {
        const m = re.exec(stdout);
        if (!m) return NaN;
        const v = Number(m[1]);
        return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
      };
      res({
        rps: num(/Requests\/sec:\s+([\d.]+)/),
        p50Ms: ms(/50%\s+([\d.]+)(us|ms|s)/),
        p99Ms: ms(/99%\s+([\d.]+)(us|ms|s)/),
        non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
      });
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const pg = await startTestPostgres();
  const work = mkdtempSync(join(tmpdir(), 'controller-bench-'));
  let daemon: ReturnType<typeof spawn> | undefined;
  try {
    log(`postgres ${pg.url.replace(/:[^:@]+@/, ':***@')} settings ${JSON.stringify(pg.settings)}`);
    const port = await freePort();
    daemon = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', join(ROOT, 'daemons/controller/src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AUTH_KEY: KEY, LISTEN_IP: '127.0.0.1', PORT: String(port), DATABASE_URL: await pg.createDatabase(), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if ((await fetch(`${url}/ping`).catch(() => undefined))?.status === 200) break;
      if (i > 300) throw new Error('controller did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const client = new ControllerClient({ urls: [url], key: KEY });
    const apps = [];
    for (let i = 0; i < 20; i++) apps.push(await client.createApp({ name: `bench-${i}` }));
    const artifact = await client.createArtifact({ type: 'docker', uri: 'docker://bench' });

    log(`GET /apps: wrk ${CONNS} connections, ${DUR}s`);
    const reads = await wrk(`${url}/apps`, undefined);
    const script = join(work, 'post.lua');
    writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify({ app_id: apps[0]!.id, artifacts: [artifact.id], env: { A: 'b' }, processes: { web: { args: ['start'] } } })}'\n`,
    );
    log(`POST /releases: wrk ${CONNS} connections, ${DUR}s`);
    const writes = await wrk(`${url}/releases`, script);

    log(`fan-out: ${SUBS} SSE subscribers, ${ROUNDS} writes`);
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const lastPerRound = new Map<string, number>();
    const streams = Array.from({ length: SUBS }, () => client.streamEvents({ objectTypes: ['app'] }));
    const ready = new Set<number>();
    const pumps = streams.map(async (s, idx) => {
      for await (const e of s as AsyncIterable<ControllerEvent<{ meta?: Record<string, string> }>>) {
        const tag = e.data.meta?.round;
        if (tag === 'ready') {
          ready.add(idx);
          continue;
        }
        const t0 = tag ? sent.get(tag) : undefined;
        if (t0 === undefined) continue;
        const dt = performance.now() - t0;
        latencies.push(dt);
        lastPerRound.set(tag!, Math.max(lastPerRound.get(tag!) ?? 0, dt));
      }
    });
    // wait until every subscriber is connected: one marker event reaches all of them
    for (let i = 0; ready.size < SUBS; i++) {
      await client.updateAppMeta(apps[1]!.id, { round: 'ready' });
      await new Promise((r) => setTimeout(r, 200));
      if (i > 100) throw new Error(`only ${ready.size} subscribers connected`);
    }
    for (let r = 0; r < ROUNDS; r++) {
      const tag = `r${r}`;
      sent.set(tag, performance.now());
      await client.updateAppMeta(apps[1]!.id, { round: tag });
      await new Promise((res) => setTimeout(res, 50));
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < SUBS * ROUNDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of streams) s.close();
    await Promise.allSettled(pumps);
    await client.close();
    const sorted = [...latencies].sort((a, b) => a - b);
    const lasts = [...lastPerRound.values()].sort((a, b) => a - b);
    const round2 = (n: number) => Math.round(n * 100) / 100;
    const figures = {
      get_apps_rps: Math.round(reads.rps),
      get_apps_p50_ms: round2(reads.p50Ms),
      get_apps_p99_ms: round2(reads.p99Ms),
      post_releases_rps: Math.round(writes.rps),
      post_releases_p50_ms: round2(writes.p50Ms),
      post_releases_p99_ms: round2(writes.p99Ms),
      non_2xx: reads.non2xx + writes.non2xx,
      fanout_subscribers: SUBS,
      fanout_deliveries: latencies.length,
      fanout_expected: SUBS * ROUNDS,
      fanout_p50_ms: round2(percentile(sorted, 50)),
      fanout_p99_ms: round2(percentile(sorted, 99)),
      fanout_last_subscriber_p50_ms: round2(percentile(lasts, 50)),
    };
    process.stdout.write(JSON.stringify({ bench: 'controller', figures, peers: {}, ratios: {} }) + '\n');
  } finally {
    daemon?.kill('SIGTERM');
    await new Promise((r) => (daemon && daemon.exitCode === null ? daemon.once('exit', r) : r(undefined)));
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`controller-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
