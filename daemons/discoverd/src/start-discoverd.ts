/**
 * The whole discoverd server in one call, for the daemon's `main` and for
 * programs that embed it: one HTTP listener (API + raft), a `DiscoveryNode`
 * (raft member when its address is in `peers`, proxy otherwise), the DNS
 * server when `dnsAddr` is set, the `-notify` webhook and its own
 * registration as service `discoverd`. Composition only: the behaviour lives
 * in @flynn-ts/discovery.
 */
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, LogLevel, Random, Timer } from '@flynn-ts/core';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { createDiscoveryHttp, DiscoveryNode, DnsServer, DnsWorkerPool } from '@flynn-ts/discovery/server';
import type { DiscoveryHttp } from '@flynn-ts/discovery/server';
import { announceSelf } from './announce-self.js';
import type { Announcement } from './announce-self.js';
import { joinHostPort, parseListenAddr } from './config.js';
import { discoverdHandler } from './http-handler.js';
import { observeNode } from './observe-node.js';
import { RoleDnsView } from './role-dns-view.js';

export interface DiscoverdOptions {
  /** Raft WAL (`<dataDir>/raft`) and membership marker (`<dataDir>/raft-member.json`). */
  dataDir: string;
  /** Advertised host; the node's address (and raft id) is `host:<bound port>`. */
  host: string;
  /** HTTP listen address. Default `:1111` (every IPv4 interface); port 0 picks a free port. */
  addr?: string;
  /** Initial raft voters `host:port`. Default: this node alone (a single-node cluster). */
  peers?: readonly string[];
  /** DNS listen address `ip:port` (UDP and TCP). Default: no DNS server. */
  dnsAddr?: string;
  /** Upstream resolvers for names outside `discoverd.`. */
  recursors?: readonly string[];
  /**
   * UDP DNS answered by this many worker processes sharing the port
   * (`node:cluster`; see `DnsWorkerPool`), TCP by this process. Default 0:
   * everything in this process. Needs `dnsAddr`.
   */
  dnsWorkers?: number;
  /** Log level of the DNS workers (they log JSON lines to stderr). Default `info`. */
  logLevel?: LogLevel;
  /** Webhook told `{url, dns}` once a raft leader is known. */
  notify?: string;
  /** Sent to the webhook as `job_id`. */
  jobId?: string;
  /** Instance TTL. Default 10 s. */
  ttlMs?: number;
  /** Raft tick (default 100 ms) and election timeout in ticks (default 10). */
  tickMs?: number;
  electionTicks?: number;
  /** Reported by `/.well-known/status`. Default `dev`. */
  version?: string;
  /** How long `close()` lets in-flight HTTP requests finish. Default 2 000 ms. */
  closeGraceMs?: number;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

export interface Discoverd {
  /** The advertised address, `host:port`. */
  readonly address: string;
  /** `http://<address>`. */
  readonly url: string;
  readonly node: DiscoveryNode;
  readonly http: HttpServerHandle;
  /** The in-process DNS server: UDP and TCP, or TCP only when `dnsWorkers` answer UDP. */
  readonly dns: DnsServer | undefined;
  /** The UDP DNS workers, when `dnsWorkers` > 0. */
  readonly dnsWorkers: DnsWorkerPool | undefined;
  /** Where DNS answers over UDP (workers' or in-process), once started. */
  readonly dnsAddress: { address: string; port: number } | undefined;
  /** Resolves once the server has stopped, by `close()` or `POST /shutdown`. */
  readonly stopped: Promise<void>;
  /** Deregisters itself, hands raft leadership over, closes everything. Idempotent. */
  close(): Promise<void>;
}

/** Hook bound: a self-deregistration that cannot reach a leader must not hold up shutdown. */
const DEREGISTER_TIMEOUT_MS = 3_000;

export async function startDiscoverd(o: DiscoverdOptions): Promise<Discoverd> {
  const logger = o.logger ?? noopLogger;
  const clock = o.clock ?? systemClock;
  const random = o.random ?? cryptoRandom();
  const listen = parseListenAddr(o.addr ?? ':1111');
  const target: { node: DiscoveryNode | undefined; api: DiscoveryHttp | undefined } = { node: undefined, api: undefined };
  const http = await serve(discoverdHandler(() => target), { host: listen.host, port: listen.port, logger, clock, graceMs: o.closeGraceMs ?? 2_000 });
  const address = joinHostPort(o.host, http.port);
  const url = `http://${address}`;
  const peers = o.peers && o.peers.length > 0 ? [...o.peers] : [address];

  let node: DiscoveryNode;
  let view: RoleDnsView | undefined;
  let dns: DnsServer | undefined;
  let workers: DnsWorkerPool | undefined;
  try {
    node = await DiscoveryNode.start({
      dataDir: o.dataDir,
      advertise: address,
      peers,
      clock,
      random,
      logger,
      ...(o.ttlMs !== undefined ? { ttlMs: o.ttlMs } : {}),
      ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
      ...(o.electionTicks !== undefined ? { electionTicks: o.electionTicks } : {}),
    });
    target.node = node;
    target.api = createDiscoveryHttp(node.backend(), { logger, clock, random, signal: http.closing, ...(o.version ? { version: o.version } : {}) });
    if (o.dnsAddr) {
      const makeClient = (servers: string[]) => new DiscoveryClient({ servers: servers.map((p) => `http://${p}`), clock, random, logger });
      view = new RoleDnsView(node, { makeClient, logger });
      const recursors = o.recursors ?? [];
      if ((o.dnsWorkers ?? 0) > 0) {
        // With port 0 the workers pick a free UDP port and TCP must take the
        // same number, which another process may hold: pick again a few times.
        const anyPort = /:0$/.test(o.dnsAddr);
        for (let attempt = 1; ; attempt++) {
          workers = await DnsWorkerPool.start({
            workers: o.dnsWorkers!,
            udpAddr: o.dnsAddr,
            apiUrl: url,
            recursors,
            logLevel: o.logLevel ?? 'info',
            logFields: { app: 'discoverd' },
            logger,
            clock,
            random,
          });
          const udp = workers.udpAddress;
          dns = new DnsServer({ view, udpAddr: false, tcpAddr: joinHostPort(udp.address, udp.port), recursors, clock, random, logger });
          try {
            await dns.start();
            break;
          } catch (err) {
            await dns.close().catch(() => {});
            await workers.close();
            dns = undefined;
            workers = undefined;
            if (!anyPort || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          }
        }
      } else {
        dns = new DnsServer({ view, udpAddr: o.dnsAddr, recursors, clock, random, logger });
        await dns.start();
      }
    }
  } catch (err) {
    await dns?.close();
    await workers?.close();
    await view?.close();
    await target.node?.shutdown().catch(() => {});
    await http.close(0);
    throw err;
  }

  const background = new AbortController();
  let announced: Announcement | undefined;
  const ttlMs = o.ttlMs ?? 10_000;
  const dnsAddress = workers?.udpAddress ?? dns?.udpAddress;
  void announceSelf({
    node,
    url,
    advertise: address,
    dns: dnsAddress ? joinHostPort(dnsAddress.address, dnsAddress.port) : '',
    ...(o.notify ? { notify: o.notify } : {}),
    ...(o.jobId ? { jobId: o.jobId } : {}),
    heartbeatMs: Math.max(100, Math.min(5_000, Math.floor(ttlMs / 2))),
    clock,
    random,
    logger,
    signal: background.signal,
  }).then(
    (a) => {
      announced = a;
      if (background.signal.aborted) void a.client.close();
    },
    (err: unknown) => {
      if (!background.signal.aborted) logger.warn({ event: 'self_registration_failed', err }, 'could not register as service discoverd');
    },
  );
  // Deregister while the API still runs, before the node hands leadership over and stops.
  node.onShutdown(async () => {
    background.abort();
    if (!announced) return;
    const deregistered = announced.heartbeater.close().then(
      () => logger.info({ event: 'self_deregistered' }, 'deregistered from service discoverd'),
      (err: unknown) => logger.warn({ event: 'self_deregistration_failed', err }, 'self deregistration failed'),
    );
    let timer: Timer | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = clock.setTimer(DEREGISTER_TIMEOUT_MS, () => {
        logger.warn({ event: 'self_deregistration_timeout' }, 'self deregistration timed out');
        resolve();
      });
    });
    await Promise.race([deregistered, timeout]);
    timer?.cancel();
  });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info({ event: 'discoverd_stopping' }, 'stopping');
      background.abort();
      const { last_index } = await node.shutdown().catch((err: unknown) => {
        logger.error({ event: 'node_shutdown_failed', err }, 'node shutdown failed');
        return { last_index: 0 };
      });
      stopObserving();
      await dns?.close();
      await workers?.close();
      await view?.close();
      await http.close();
      await announced?.client.close();
      logger.info({ event: 'discoverd_stopped', last_index }, 'stopped');
      resolveStopped();
    })();
    return closing;
  };
  const stopObserving = observeNode(node, logger, (role) => {
    if (role === 'stopped') void close(); // POST /shutdown
    else view?.refresh();
  });

  logger.info({ event: 'discoverd_started', address, role: node.role, peers, dns: dnsAddress ?? null, dnsWorkers: workers?.pids ?? [], ttlMs }, 'discoverd started');
  return { address, url, node, http, dns, dnsWorkers: workers, dnsAddress, stopped, close };
}
