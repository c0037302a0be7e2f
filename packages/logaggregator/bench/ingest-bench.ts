/**
 * Log ingest (issue #10): lines/s a `flynn-logaggregator` daemon takes over
 * syslog TCP (RFC 6587 octet-counted RFC 5424, as hosts send them), from
 * CONNS connections at once (one per simulated host), 10 apps, until its
 * `/cursors` shows every last line. Peer in the same run: a framing-only
 * sink (same TCP input and RFC 6587 decoder, no parsing or storing), the
 * ceiling of the I/O path. Repetitions interleaved. Servers on CPU
 * $SUT_CPU, the sender on CPU $GEN_CPU.
 *
 *   node --conditions=@flynn-ts/source --import tsx packages/logaggregator/bench/ingest-bench.ts --lines 400000 --conns 4 --reps 3
 *
 * Last line on stdout: {"bench":"logaggregator-ingest","figures":{...},"peers":{...},"ratios":{...}}
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logEntry, syslogFrame } from '@flynn-ts/logaggregator/testing';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = join(ROOT, 'daemons/logaggregator/src/main.ts');
const SINK = join(ROOT, 'packages/logaggregator/bench/framing-sink.ts');
const { values: args } = parseArgs({ options: { lines: { type: 'string', default: '400000' }, conns: { type: 'string', default: '4' }, reps: { type: 'string', default: '3' } } });
const LINES = Number(args.lines);
const CONNS = Number(args.conns);
const REPS = Number(args.reps);
const SUT_CPU = process.env.SUT_CPU ?? '1';
const children: ChildProcess[] = [];
const MSG = 'GET /assets/app-3f2a9c.js HTTP/1.1 200 1234 0.002s "Mozilla/5.0 (X11; Linux x86_64)" request_id=9f8e7d6c5b4a';

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

function startPinned(argv: string[]): ChildProcess {
  const child = spawn('taskset', ['-c', SUT_CPU, process.execPath, '--conditions=@flynn-ts/source', '--import', 'tsx', ...argv], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

/** GET on a new connection each time (a pooled keep-alive socket may be closed by the server while the frames are built). */
function httpGet(url: string): Promise<string> {
  return new Promise((res, rej) => {
    get(url, { agent: false }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (c: string) => (body += c));
      r.on('end', () => (r.statusCode === 200 ? res(body) : rej(new Error(`GET ${url}: ${r.statusCode}`))));
    }).on('error', rej);
  });
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      await httpGet(url);
      return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/**
 * One host's lines, framed, in writes of about 256 KiB. All hosts of a round
 * share `t0`: their lines' timestamps interleave as real hosts' do.
 */
function hostStream(host: string, lines: number, t0: number): Buffer[] {
  const out: Buffer[] = [];
  let parts: Uint8Array[] = [];
  let size = 0;
  for (let seq = 1; seq <= lines; seq++) {
    const f = syslogFrame(logEntry({ hostId: host, appId: `app${seq % 10}`, seq, time: t0 + seq, jobId: `${host}-job${seq % 7}`, msg: `${MSG} ${seq}` }));
    parts.push(f);
    size += f.length;
    if (size >= 256 * 1024) {
      out.push(Buffer.concat(parts, size));
      parts = [];
      size = 0;
    }
  }
  if (size > 0) out.push(Buffer.concat(parts, size));
  return out;
}

function send(port: number, chunks: Buffer[]): Promise<void> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1', async () => {
      for (const c of chunks) if (!s.write(c)) await new Promise<void>((r) => s.once('drain', () => r()));
      s.end();
    });
    s.on('error', rej);
    s.on('close', () => res());
  });
}

/** Sends every host's stream at once; resolves with the seconds until `done()` holds. */
async function round(port: number, streams: Buffer[][], done: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  await Promise.all(streams.map((s) => send(port, s)));
  while (!(await done())) await new Promise((r) => setTimeout(r, 10));
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const [apiPort, syslogPort, sinkPort, sinkApi] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  startPinned([MAIN, '--api-addr', `127.0.0.1:${apiPort}`, '--syslog-addr', `127.0.0.1:${syslogPort}`, '--log-level', 'warn']);
  startPinned([SINK, String(sinkPort), String(sinkApi)]);
  await Promise.all([waitHttp(`http://127.0.0.1:${apiPort}/ping`), waitHttp(`http://127.0.0.1:${sinkApi}/`)]);
  const perConn = Math.floor(LINES / CONNS);
  const total = perConn * CONNS;
  const results: { ours: number[]; sink: number[] } = { ours: [], sink: [] };
  let bytes = 0;
  for (let rep = 0; rep < REPS; rep++) {
    // New host ids each repetition: nothing is taken as a replay.
    const hosts = Array.from({ length: CONNS }, (_, h) => `bench-r${rep}-h${h}`);
    const t0 = Date.now();
    const streams = hosts.map((h) => hostStream(h, perConn, t0));
    bytes = streams.flat().reduce((n, c) => n + c.length, 0);
    const sinkBase = Number(await httpGet(`http://127.0.0.1:${sinkApi}/`));
    const sinkSecs = await round(sinkPort, streams, async () => Number(await httpGet(`http://127.0.0.1:${sinkApi}/`)) >= sinkBase + total);
    const oursSecs = await round(syslogPort, streams, async () => {
      const cursors = JSON.parse(await httpGet(`http://127.0.0.1:${apiPort}/cursors`)) as Record<string, { seq: number }>;
      return hosts.every((h) => cursors[h]?.seq === perConn);
    });
    results.sink.push(total / sinkSecs);
    results.ours.push(total / oursSecs);
    process.stderr.write(`rep ${rep + 1}: aggregator ${Math.round(total / oursSecs)} lines/s, framing-only sink ${Math.round(total / sinkSecs)} lines/s\n`);
  }
  const ours = Math.round(median(results.ours));
  const sink = Math.round(median(results.sink));
  const lineBytes = bytes / total;
  process.stderr.write(`${total} lines of ~${Math.round(lineBytes)} bytes framed, ${CONNS} connections, 10 apps, ${REPS} interleaved reps, medians; servers on CPU ${SUT_CPU}\n`);
  const figures = { lines_per_s: ours, MB_per_s: Math.round((ours * lineBytes) / 1e5) / 10 };
  const peers = { framing_only_sink_lines_per_s: sink };
  process.stdout.write(`${JSON.stringify({ bench: 'logaggregator-ingest', figures, peers, ratios: { 'lines_per_s/framing_only_sink_lines_per_s': Math.round((ours / sink) * 100) / 100 } })}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`ingest-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGTERM');
  });
