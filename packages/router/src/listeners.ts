/**
 * Binds a {@link DataPlane}'s listeners: HTTP ports, HTTPS ports (TLS, SNI,
 * HTTP/2) and TCP route ports (bound as TCP routes appear), and closes them
 * gracefully. Used by the single-process router and by cluster workers.
 */
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { DataPlane } from './data-plane.js';
import type { ListenerInfo } from './proxy/h1-connection.js';
import { createHttpServer } from './proxy/http-listener.js';
import { TcpProxy } from './tcp/tcp-proxy.js';
import { CertificateStore } from './tls/certificate-store.js';
import type { KeyPair } from './tls/certificate-store.js';
import { createHttpsServer } from './tls/https-listener.js';

export interface PortSpec {
  port: number;
  /** A default port matches port-0 routes (DEFAULT_HTTP_PORT / DEFAULT_HTTPS_PORT); others only routes naming them. */
  default: boolean;
}

export interface ListenersConfig {
  /** Address of the HTTP/HTTPS listeners. Default `0.0.0.0`. */
  host?: string;
  http?: readonly PortSpec[];
  https?: readonly PortSpec[];
  /** Address of TCP route listeners. Default: `host`. */
  tcpHost?: string;
  /** Served on HTTPS when no route certificate matches. */
  defaultCertificate?: KeyPair;
  /** `LEGACY_TLS`: accept TLS 1.0 and 1.1. */
  legacyTls?: boolean;
  /** Offer HTTP/2 on HTTPS. Default true. */
  http2?: boolean;
  /** Read a PROXY protocol v1 header first on HTTP and HTTPS connections. */
  proxyProtocol?: boolean;
  logger?: Logger;
}

export interface BoundPorts {
  http: number[];
  https: number[];
}

export class Listeners {
  readonly tcp: TcpProxy;
  private readonly servers: Server[] = [];
  /** Every accepted TCP socket (TLS handshakes in progress included), for the hard stop after the grace. */
  private readonly sockets = new Set<Socket>();
  private readonly logger: Logger;

  constructor(
    private readonly plane: DataPlane,
    private readonly config: ListenersConfig,
  ) {
    this.logger = config.logger ?? noopLogger;
    this.tcp = new TcpProxy(plane.table, {
      host: config.tcpHost ?? config.host ?? '0.0.0.0',
      dialTimeoutMs: plane.ctx.timeouts.dialMs,
      logger: this.logger,
    });
    plane.onRoute = (route, removed) => this.tcp.routeChanged(route, removed);
    for (const r of plane.table.routes()) this.tcp.routeChanged(r, false);
  }

  async bind(): Promise<BoundPorts> {
    const host = this.config.host ?? '0.0.0.0';
    const ctx = this.plane.ctx;
    ctx.start();
    const out: BoundPorts = { http: [], https: [] };
    for (const spec of this.config.http ?? []) {
      const info: ListenerInfo = { port: spec.port, routePort: spec.default ? 0 : spec.port, proto: 'http' };
      const server = createHttpServer(ctx, info, { proxyProtocol: this.config.proxyProtocol === true });
      out.http.push(await this.listen(server, host, spec.port, info));
    }
    const https = this.config.https ?? [];
    if (https.length > 0) {
      const store = new CertificateStore({
        ...(this.config.defaultCertificate ? { defaultCertificate: this.config.defaultCertificate } : {}),
        minVersion: this.config.legacyTls ? 'TLSv1' : 'TLSv1.2',
      });
      for (const spec of https) {
        const info: ListenerInfo = { port: spec.port, routePort: spec.default ? 0 : spec.port, proto: 'https' };
        const server = createHttpsServer(ctx, info, store, {
          proxyProtocol: this.config.proxyProtocol === true,
          http2: this.config.http2 !== false,
          certificateFor: (name) => this.plane.table.matchHttp(name, info.routePort, '/')?.route.certificate,
        });
        out.https.push(await this.listen(server, host, spec.port, info));
      }
    }
    return out;
  }

  /**
   * Stops accepting, lets requests in flight finish (keep-alive connections
   * close after their current response, HTTP/2 sessions get GOAWAY), and
   * destroys whatever is left after `graceMs`.
   */
  async close(graceMs: number): Promise<void> {
    const ctx = this.plane.ctx;
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await this.tcp.close();
    ctx.drainAll();
    const deadline = ctx.clock.monotonic() + graceMs;
    while (ctx.connections.size > 0 && ctx.clock.monotonic() < deadline) await ctx.clock.sleep(20);
    const forced = ctx.destroyAll();
    this.tcp.destroyAll();
    for (const socket of this.sockets) socket.destroy();
    ctx.stop();
    await closed;
    this.logger.info({ event: 'listeners_closed', forcedConnections: forced }, 'listeners closed');
  }

  private listen(server: Server, host: string, port: number, info: ListenerInfo): Promise<number> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const bound = (server.address() as AddressInfo).port;
        // An ephemeral port is only known now; X-Forwarded-Port must say the real one.
        info.port = bound;
        if (info.routePort !== 0) info.routePort = bound;
        this.servers.push(server);
        server.on('connection', (socket: Socket) => {
          this.sockets.add(socket);
          socket.once('close', () => this.sockets.delete(socket));
        });
        this.logger.info({ event: 'listen', proto: info.proto, host, port: bound, default: info.routePort === 0 }, 'listening');
        resolve(bound);
      });
    });
  }
}
