/**
 * A replicated key-value server: one raft node (`RaftNode` + `FileStorage` +
 * `HttpTransport`) behind the etcd v3 JSON gateway subset of kv-api.ts. One
 * node:http server carries both the raft transport (under `/raft/`) and the
 * client API (plain node:http rather than `serve` from `@flynn-ts/core/http`:
 * the transport handler needs the raw request, and the benchmarked hot path
 * skips the fetch-API adaptation). Logs JSON lines to stderr.
 *
 *     node --conditions=@flynn-ts/source --import tsx packages/raft/examples/kv-server.ts \
 *       --listen 127.0.0.1:2379 --data-dir /tmp/kv1 \
 *       --peers 127.0.0.1:2379,127.0.0.1:2479,127.0.0.1:2579
 *
 * Node ids are their `host:port`. Writes sent to a follower are forwarded to
 * the leader by the raft driver. SIGTERM/SIGINT stop it cleanly; a failed raft
 * node (storage error, broken invariant) exits with status 1.
 *
 * Besides the API of kv-api.ts, `GET /debug/stats` reports storage saves
 * (entries per fsync'd save), raft and client request counts, event-loop
 * utilisation and CPU time: what bench/raft-bench.sh reads to explain a run.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlynnError, jsonLogger } from '@flynn-ts/core';
import { FileStorage } from '../src/adapters/file-storage.js';
import { HttpTransport } from '../src/adapters/http-transport.js';
import { RaftNode } from '../src/node.js';
import { createKvHandler } from './kv-api.js';
import { KV_SERVER_USAGE, parseKvServerArgs } from './kv-args.js';
import type { KvServerConfig } from './kv-args.js';
import { StatsStorage } from './kv-stats.js';
import { KvStore } from './kv-store.js';
import type { KvReply } from './kv-store.js';

async function main(cfg: KvServerConfig): Promise<void> {
  const logger = jsonLogger({ level: cfg.logLevel, fields: { node: cfg.id } });
  const file = await FileStorage.open(cfg.dataDir);
  const storage = new StatsStorage(file);
  const transport = new HttpTransport({ id: cfg.id, logger });
  const store = new KvStore();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();

  // Set once the raft node has started; until then client requests answer 503.
  const started: { api?: (req: IncomingMessage, res: ServerResponse) => void; node?: RaftNode<KvReply> } = {};
  const requests = { raft: 0, client: 0 };
  const server = createServer((req, res) => {
    if (transport.handler(req, res)) {
      requests.raft++;
      return;
    }
    requests.client++;
    const { api, node } = started;
    if (req.url === '/debug/stats' && node) return json(res, 200, { storage: storage.stats, wal: file.stats, requests, status: node.status(), ...processStats(elu0, cpu0) });
    if (api) return api(req, res);
    req.resume();
    json(res, 503, { code: 'FLYNN_KV_STARTING', message: 'server is starting', retry: true });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  logger.info({ event: 'listening', host: cfg.host, port: cfg.port, dataDir: cfg.dataDir, sync: cfg.sync, pid: process.pid }, 'listening');

  const raft = await RaftNode.start({
    id: cfg.id,
    storage,
    transport,
    stateMachine: store,
    bootstrap: Object.keys(cfg.peers),
    addresses: cfg.peers,
    tickMs: cfg.tickMs,
    electionTicks: cfg.electionTicks,
    sync: cfg.sync,
    logger,
  });
  started.node = raft;
  started.api = createKvHandler({ id: cfg.id, node: raft, store, timeoutMs: cfg.timeoutMs, logger });
  logger.info({ event: 'ready', status: raft.status() }, 'kv server ready');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'stopping', signal, storage: storage.stats, ...processStats(elu0, cpu0) }, 'stopping');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await raft.stop();
    server.closeAllConnections();
    await closed;
    logger.info({ event: 'stopped' }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const watch = setInterval(() => {
    if (raft.error === undefined) return;
    logger.error({ event: 'raft_failed', err: raft.error }, 'raft node failed; exiting');
    process.exit(1);
  }, 500);
  watch.unref();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** Event-loop utilisation and CPU time since start: is the single JS thread the bottleneck? */
function processStats(elu0: ReturnType<typeof performance.eventLoopUtilization>, cpu0: NodeJS.CpuUsage): Record<string, unknown> {
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  return {
    eventLoopUtilization: +elu.utilization.toFixed(3),
    eventLoopActiveMs: Math.round(elu.active),
    eventLoopIdleMs: Math.round(elu.idle),
    cpuUserMs: Math.round(cpu.user / 1000),
    cpuSystemMs: Math.round(cpu.system / 1000),
  };
}

let cfg: KvServerConfig;
try {
  cfg = parseKvServerArgs(process.argv.slice(2), process.env);
} catch (err) {
  process.stderr.write(`${FlynnError.is(err) || err instanceof Error ? err.message : String(err)}\n${KV_SERVER_USAGE}\n`);
  process.exit(2);
}
main(cfg).catch((err: unknown) => {
  jsonLogger({ fields: { node: cfg.id } }).error({ event: 'fatal', err }, 'kv server failed');
  process.exit(1);
});
