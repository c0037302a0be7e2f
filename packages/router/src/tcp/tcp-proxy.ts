/**
 * TCP routes (reference §7.3): one listener per TCP route port, bound when
 * the route appears and closed when it goes. Each connection goes to a
 * random backend of the route's service (its leader for `leader` routes),
 * the next one on a dial failure; bytes are piped both ways with half-close
 * (a FIN from one side is passed on while the other direction keeps going).
 * An open connection counts as in flight for its backend (drain).
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { noopLogger } from '@flynn-ts/core';
import type { Logger, Random } from '@flynn-ts/core';
import type { TcpEntry } from '../core/route-table.js';
import type { Route } from '../core/types.js';
import type { BackendTarget, ServiceBackends } from '../proxy/backend-target.js';

export interface TcpLookup {
  matchTcp(port: number): TcpEntry<{ readonly service: ServiceBackends }> | undefined;
}

export interface TcpProxyOptions {
  /** Address TCP route listeners bind to (`--tcp-ip`). Default `0.0.0.0`. */
  host?: string;
  dialTimeoutMs?: number;
  random?: Random;
  logger?: Logger;
  /** Called when a listener could not be bound (port taken). */
  onBindError?: (port: number, err: Error) => void;
}

export class TcpProxy {
  private readonly listeners = new Map<number, Server>();
  private readonly sockets = new Set<Socket>();
  private readonly logger: Logger;
  private closed = false;

  constructor(
    private readonly lookup: TcpLookup,
    private readonly options: TcpProxyOptions = {},
  ) {
    this.logger = options.logger ?? noopLogger;
  }

  /** Ports with a bound listener. */
  get ports(): number[] {
    return [...this.listeners.keys()];
  }

  /** Follows a route change: binds the port of a new TCP route, closes the port of a removed one. */
  routeChanged(route: Route, removed: boolean): void {
    if (route.type !== 'tcp' || this.closed) return;
    if (removed) {
      if (this.lookup.matchTcp(route.port)) return;
      const server = this.listeners.get(route.port);
      this.listeners.delete(route.port);
      server?.close();
      return;
    }
    if (this.listeners.has(route.port)) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(route.port, socket));
    this.listeners.set(route.port, server);
    server.on('error', (err) => {
      this.listeners.delete(route.port);
      this.logger.error({ event: 'tcp_bind_failed', port: route.port, err }, 'cannot listen on TCP route port');
      this.options.onBindError?.(route.port, err);
    });
    server.listen(route.port, this.options.host ?? '0.0.0.0', () => {
      this.logger.info({ event: 'tcp_listen', port: route.port }, 'listening for TCP route');
    });
  }

  /** Stops listening; open connections are destroyed after `graceMs` unless they end first. */
  async close(): Promise<void> {
    this.closed = true;
    const servers = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private accept(port: number, client: Socket): void {
    const entry = this.lookup.matchTcp(port);
    if (!entry) {
      client.destroy();
      return;
    }
    const svc = entry.data.service;
    const list = entry.route.leader === true ? svc.leader : svc.all;
    const order = (this.options.random ? this.options.random.shuffle(list) : shuffle(list)).filter((t) => t.live);
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    this.dial(client, order, 0);
  }

  private dial(client: Socket, order: BackendTarget[], i: number): void {
    if (client.destroyed) return;
    const target = order[i];
    if (target === undefined) {
      this.logger.warn({ event: 'tcp_no_backend' }, 'no backend reachable for TCP connection');
      client.destroy();
      return;
    }
    const up = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    up.setTimeout(this.options.dialTimeoutMs ?? 1_000);
    const onFail = (err: Error) => {
      up.destroy();
      this.logger.warn({ event: 'tcp_dial_failed', backend: target.addr, err }, 'TCP backend dial failed');
      this.dial(client, order, i + 1);
    };
    const onTimeout = () => onFail(new Error('dial timeout'));
    up.once('error', onFail);
    up.once('timeout', onTimeout);
    up.once('connect', () => {
      up.removeListener('error', onFail);
      up.removeListener('timeout', onTimeout);
      up.setTimeout(0);
      this.join(client, up, target);
    });
  }

  private join(client: Socket, up: Socket, target: BackendTarget): void {
    target.begin();
    this.sockets.add(up);
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) target.end();
    };
    up.on('close', () => {
      this.sockets.delete(up);
      client.destroy();
      onClose();
    });
    client.on('close', () => {
      up.destroy();
      onClose();
    });
    up.on('error', () => up.destroy());
    client.pipe(up);
    up.pipe(client);
    client.resume();
  }
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
