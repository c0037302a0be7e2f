/**
 * One DNS worker process of a {@link DnsWorkerPool} (the module is the
 * worker's entry script; `node:cluster` starts it). It answers UDP DNS on the
 * pool's address, sharing the socket the cluster primary holds with the
 * other workers, and follows the registry through a `DiscoveryClient`
 * watching the node's own HTTP API (one reconnecting SSE watch per queried
 * service, as a proxy-mode node does). TCP stays with the primary.
 *
 * Its configuration comes in the `FLYNN_DNS_WORKER` environment variable
 * (JSON {@link DnsWorkerConfig}); it tells the primary `{type: 'listening'}`
 * once bound, logs JSON lines to stderr, and exits when the primary says
 * `{type: 'close'}`, on SIGTERM/SIGINT, or when the primary goes away (the
 * cluster IPC channel closes: no orphan outlives a killed daemon).
 */
import cluster from 'node:cluster';
import { jsonLogger } from '@flynn-ts/core';
import { DiscoveryClient } from '../client/discovery-client.js';
import { createDnsView } from './create-dns-view.js';
import { DnsServer } from './dns-server.js';
import { DNS_WORKER_ENV } from './dns-worker-protocol.js';
import type { DnsWorkerConfig, DnsWorkerMessage } from './dns-worker-protocol.js';
import { watchSubscriber } from './watch-subscriber.js';

export async function runDnsWorker(config: DnsWorkerConfig): Promise<void> {
  const logger = jsonLogger({ level: config.logLevel, fields: { ...config.logFields, dnsWorker: cluster.worker?.id ?? 0, pid: process.pid } });
  const client = new DiscoveryClient({ servers: [config.apiUrl], refreshServers: false, logger });
  const view = createDnsView(watchSubscriber(client, logger), { logger, maxServices: config.maxServices ?? 256 });
  const server = new DnsServer({
    view,
    udpAddr: config.udpAddr,
    tcpAddr: false,
    recursors: config.recursors,
    logger,
    ...(config.recursionTimeoutMs !== undefined ? { recursionTimeoutMs: config.recursionTimeoutMs } : {}),
    ...(config.viewTimeoutMs !== undefined ? { viewTimeoutMs: config.viewTimeoutMs } : {}),
    ...(config.maxUdpRecords !== undefined ? { maxUdpRecords: config.maxUdpRecords } : {}),
  });
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await server.close().catch(() => {});
      view.close();
      await client.close().catch(() => {});
      process.exit(code);
    })();
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'close') stop(0);
  });
  try {
    await server.start();
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    logger.error({ err }, 'dns worker: cannot listen');
    stop(1);
    return;
  }
  const bound = server.udpAddress!;
  send({ type: 'listening', address: bound.address, port: bound.port });
}

function send(m: DnsWorkerMessage): void {
  process.send?.(m);
}

/** Runs the worker when this module is a cluster worker's entry with a configuration. */
function autostart(): void {
  const raw = process.env[DNS_WORKER_ENV];
  if (!cluster.isWorker || raw === undefined) return;
  let config: DnsWorkerConfig;
  try {
    config = JSON.parse(raw) as DnsWorkerConfig;
  } catch {
    process.stderr.write(`dns worker: ${DNS_WORKER_ENV} is not JSON\n`);
    process.exit(2);
  }
  void runDnsWorker(config);
}

autostart();
