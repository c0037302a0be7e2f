/**
 * Blobstore throughput (issue #10): one blob of SIZE MiB uploaded and
 * downloaded with curl through the real `flynn-blobstore` daemon, directory
 * and PostgreSQL backends, against nginx in the same run (a static file for
 * download; WebDAV PUT for upload), repetitions interleaved. Servers on CPU
 * $SUT_CPU, curl on CPU $GEN_CPU (PostgreSQL itself is not pinned).
 *
 *   node --conditions=@flynn-ts/source --import tsx packages/blobstore/bench/blob-bench.ts --size-mib 100 --reps 3
 *
 * Last line on stdout: {"bench":"blobstore","figures":{...},"peers":{...},"ratios":{...}}
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, readFileSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '@flynn-ts/controller/testing';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = join(ROOT, 'daemons/blobstore/src/main.ts');
const { values: args } = parseArgs({ options: { 'size-mib': { type: 'string', default: '100' }, reps: { type: 'string', default: '3' } } });
const SIZE_MIB = Number(args['size-mib']);
const REPS = Number(args.reps);
const GEN_CPU = process.env.GEN_CPU ?? '0';
const SUT_CPU = process.env.SUT_CPU ?? '1';
const children: ChildProcess[] = [];

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

function startPinned(cmd: string, argv: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn('taskset', ['-c', SUT_CPU, cmd, ...argv], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** curl pinned to the generator CPU; resolves with MB/s (10^6 bytes/s, as curl reports bytes/s). */
async function curl(kind: 'up' | 'down', url: string, file: string): Promise<number> {
  const io = kind === 'up' ? ['-T', file, '-o', '/dev/null', '-w', '%{speed_upload} %{http_code}'] : ['-o', '/dev/null', '-w', '%{speed_download} %{http_code} %{size_download}'];
  const { stdout } = await run('taskset', ['-c', GEN_CPU, 'curl', '-sS', ...io, url]);
  const [speed, code, size] = stdout.trim().split(' ');
  if (!code?.startsWith('2')) throw new Error(`curl ${kind} ${url}: HTTP ${code}`);
  if (kind === 'down' && Number(size) !== SIZE_MIB * 1024 * 1024) throw new Error(`curl down ${url}: got ${size} bytes`);
  return Number(speed) / 1e6;
}

function peakRssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round(kb / 1024);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const work = await mkdtemp('/tmp/flynn-blob-bench-');
  chmodSync(work, 0o755);
  const pg = await startTestPostgres();
  try {
    const file = join(work, 'blob.bin');
    const out = createWriteStream(file);
    for (let i = 0; i < SIZE_MIB; i++) if (!out.write(randomBytes(1024 * 1024))) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    await mkdir(join(work, 'www'));
    // nginx workers run as an unprivileged user when started by root: let them write the upload dirs.
    for (const d of ['dav', 'ngx-body']) {
      await mkdir(join(work, d));
      chmodSync(join(work, d), 0o777);
    }
    await link(file, join(work, 'www', 'blob.bin'));
    const [nginxPort, dirPort, pgPort] = await Promise.all([freePort(), freePort(), freePort()]);
    await writeFile(
      join(work, 'nginx.conf'),
      `worker_processes 1;
error_log ${work}/nginx-error.log warn;
pid ${work}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${work}/ngx-body; proxy_temp_path ${work}/ngx-proxy; fastcgi_temp_path ${work}/ngx-fcgi; uwsgi_temp_path ${work}/ngx-uwsgi; scgi_temp_path ${work}/ngx-scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${nginxPort};
    location /dav/ { root ${work}; dav_methods PUT; create_full_put_path on; }
    location / { root ${work}/www; }
  }
}
`,
    );
    startPinned('nginx', ['-c', join(work, 'nginx.conf'), '-g', 'daemon off;']);
    const dirD = startPinned(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, '--dir', join(work, 'blobs'), '--addr', `127.0.0.1:${dirPort}`, '--log-level', 'warn']);
    const pgD = startPinned(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, '--addr', `127.0.0.1:${pgPort}`, '--log-level', 'warn'], { DATABASE_URL: await pg.createDatabase() });
    await Promise.all([waitHttp(`http://127.0.0.1:${nginxPort}/`), waitHttp(`http://127.0.0.1:${dirPort}/.well-known/status`), waitHttp(`http://127.0.0.1:${pgPort}/.well-known/status`)]);

    const cases = {
      nginx_dav_upload: () => curl('up', `http://127.0.0.1:${nginxPort}/dav/blob.bin`, file),
      nginx_download: () => curl('down', `http://127.0.0.1:${nginxPort}/blob.bin`, file),
      dir_upload: () => curl('up', `http://127.0.0.1:${dirPort}/bench/blob.bin`, file),
      dir_download: () => curl('down', `http://127.0.0.1:${dirPort}/bench/blob.bin`, file),
      pg_upload: () => curl('up', `http://127.0.0.1:${pgPort}/bench/blob.bin`, file),
      pg_download: () => curl('down', `http://127.0.0.1:${pgPort}/bench/blob.bin`, file),
    };
    const results: Record<string, number[]> = {};
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, fn] of Object.entries(cases)) {
        const mbps = await fn();
        (results[name] ??= []).push(mbps);
        process.stderr.write(`rep ${rep + 1} ${name}: ${round(mbps)} MB/s\n`);
      }
    }
    const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(median(v))]));
    const figures = {
      dir_upload_MBps: m.dir_upload!,
      dir_download_MBps: m.dir_download!,
      pg_upload_MBps: m.pg_upload!,
      pg_download_MBps: m.pg_download!,
      dir_server_peak_rss_MiB: peakRssMiB(dirD.pid),
      pg_server_peak_rss_MiB: peakRssMiB(pgD.pid),
    };
    const peers = { nginx_download_MBps: m.nginx_download!, nginx_dav_upload_MBps: m.nginx_dav_upload! };
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const ratios = {
      'dir_download/nginx_download': ratio(figures.dir_download_MBps, peers.nginx_download_MBps),
      'pg_download/nginx_download': ratio(figures.pg_download_MBps, peers.nginx_download_MBps),
      'dir_upload/nginx_dav_upload': ratio(figures.dir_upload_MBps, peers.nginx_dav_upload_MBps),
      'pg_upload/nginx_dav_upload': ratio(figures.pg_upload_MBps, peers.nginx_dav_upload_MBps),
    };
    process.stderr.write(`blob ${SIZE_MIB} MiB, ${REPS} interleaved reps, medians; servers on CPU ${SUT_CPU}, curl on CPU ${GEN_CPU}; PostgreSQL ${pg.settings.fsync === 'off' ? 'fsync=off' : ''} not pinned\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'blobstore', figures, peers, ratios })}\n`);
  } finally {
    for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await pg.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`blob-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGKILL');
  process.exit(1);
});
