/**
 * discoverd's DNS server (reference §1.7): answers `discoverd.` from a
 * {@link DnsView} over UDP (node:dgram) and TCP (node:net, RFC 1035 2-byte
 * length framing, several queries per connection, answered as they complete,
 * idle connections closed), and forwards every other name to the recursors
 * (SERVFAIL, not authoritative, when none is configured or all fail).
 *
 * The request → response logic is the pure {@link DnsResponder}; this file
 * only moves bytes. Garbage never throws out of a socket handler: it is
 * ignored or answered FORMERR/NOTIMP by the responder.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { cryptoRandom, noopLogger, seededRandom, systemClock, type Clock, type Logger, type Random, type Timer } from '@flynn-ts/core';
import { MAX_MESSAGE_SIZE, Rcode } from './core/constants.js';
import { DnsResponder, FORWARD, IGNORE, WAIT } from './core/dns-responder.js';
import type { DnsView } from './core/dns-view.js';
import type { DnsQuery } from './core/records.js';
import { literalLookup, Recursor } from './recursor.js';
import { parseListenAddress, type SocketAddress } from './socket-address.js';
import { TcpDnsConnection } from './tcp-dns-connection.js';

export interface DnsServerOptions {
  view: DnsView;
  /** UDP listen address `ip:port`; default `127.0.0.1:53`; false: no UDP. */
  udpAddr?: string | false;
  /** TCP listen address; default: the UDP address with the port UDP got (so port 0 gives both the same port); false: no TCP. */
  tcpAddr?: string | false;
  /** Upstream resolvers `ip[:port]` for names outside `discoverd.`. */
  recursors?: readonly string[];
  /** Per-upstream timeout; default 2000 ms. */
  recursionTimeoutMs?: number;
  /** How long a query waits for the view to load a service (`DnsView.whenReady`); default 2000 ms. */
  viewTimeoutMs?: number;
  /** Idle TCP connections are closed after this; default 10,000 ms. */
  tcpIdleTimeoutMs?: number;
  /** Default 1000. */
  maxTcpConnections?: number;
  /** Most instances in a UDP answer; default 3. */
  maxUdpRecords?: number;
  /** Shuffles answers and picks forwarded query ids; default: crypto ids, a crypto-seeded PRNG for shuffles. */
  random?: Random;
  clock?: Clock;
  logger?: Logger;
}

export interface BoundAddress {
  address: string;
  port: number;
}

type Reply = (bytes: Uint8Array) => void;

export class DnsServer {
  private readonly options: DnsServerOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly responder: DnsResponder;
  /** The responder's output buffer, as a Buffer for cheap copies. */
  private readonly scratch: Buffer;
  private readonly recursor: Recursor | undefined;
  private readonly viewTimeoutMs: number;
  private readonly udpAt: SocketAddress | undefined;
  private readonly tcpAt: SocketAddress | undefined;
  /** TCP binds the UDP socket's host and port (no `tcpAddr` given). */
  private readonly tcpFollowsUdp: boolean;
  private udp: UdpSocket | undefined;
  private tcp: TcpServer | undefined;
  private readonly connections = new Set<TcpDnsConnection>();
  private sweeper: Timer | undefined;
  private closed = false;

  /** Throws `DnsConfigError` for an unusable address. */
  constructor(options: DnsServerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? noopLogger;
    // Forwarded query ids must be unpredictable (spoofing); the answer shuffle need not be, so by
    // default it draws from a fast PRNG seeded from the crypto source.
    const idRandom = options.random ?? cryptoRandom();
    const random = options.random ?? seededRandom(idRandom.uint32());
    const recursors = options.recursors ?? [];
    this.recursor =
      recursors.length === 0
        ? undefined
        : new Recursor({ upstreams: recursors, timeoutMs: options.recursionTimeoutMs ?? 2000, clock: this.clock, random: idRandom, logger: this.logger });
    this.scratch = Buffer.allocUnsafeSlow(MAX_MESSAGE_SIZE);
    const clock = this.clock;
    this.responder = new DnsResponder({
      view: options.view,
      random,
      serial: () => Math.floor(clock.now() / 1000),
      recursionAvailable: this.recursor !== undefined,
      maxUdpRecords: options.maxUdpRecords ?? 3,
      buffer: this.scratch,
    });
    this.viewTimeoutMs = options.viewTimeoutMs ?? 2000;
    const udpAddr = options.udpAddr ?? '127.0.0.1:53';
    this.udpAt = udpAddr === false ? undefined : parseListenAddress(udpAddr, 'udp address');
    const tcpAddr = options.tcpAddr ?? (udpAddr === false ? '127.0.0.1:53' : undefined);
    this.tcpAt = tcpAddr === false || tcpAddr === undefined ? undefined : parseListenAddress(tcpAddr, 'tcp address');
    this.tcpFollowsUdp = options.tcpAddr === undefined && udpAddr !== false;
  }

  /** The bound UDP address (after `start()`). */
  get udpAddress(): BoundAddress | undefined {
    const a = this.udp?.address();
    return a === undefined ? undefined : { address: a.address, port: a.port };
  }

  /** The bound TCP address (after `start()`). */
  get tcpAddress(): BoundAddress | undefined {
    const a = this.tcp?.address();
    return a === undefined || a === null || typeof a === 'string' ? undefined : { address: a.address, port: a.port };
  }

  /** Binds the sockets. With the default TCP address and UDP port 0, retries until both get the same port. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.udpAt !== undefined) this.udp = await this.bindUdp(this.udpAt);
      const tcpAt = this.tcpFollowsUdp ? { ...this.udpAt!, port: this.udp!.address().port } : this.tcpAt;
      if (tcpAt === undefined) break;
      try {
        this.tcp = await this.listenTcp(tcpAt);
        break;
      } catch (err) {
        const retry = this.tcpFollowsUdp && this.udpAt!.port === 0 && attempt < 20 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!retry) {
          await this.close();
          throw err;
        }
        await closeUdp(this.udp);
        this.udp = undefined;
      }
    }
    const idle = this.options.tcpIdleTimeoutMs ?? 10_000;
    if (this.tcp !== undefined) this.sweeper = this.clock.every(Math.max(50, idle / 4), () => this.sweep(idle));
    this.logger.info({ udp: this.udpAddress, tcp: this.tcpAddress, recursors: this.recursor?.size ?? 0 }, 'dns: listening');
  }

  /** Stops listening, closes TCP connections and aborts forwarded queries. */
  async close(): Promise<void> {
    this.closed = true;
    this.sweeper?.cancel();
    this.recursor?.close();
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    const tcp = this.tcp;
    this.tcp = undefined;
    const udp = this.udp;
    this.udp = undefined;
    await Promise.all([closeUdp(udp), tcp === undefined ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve()))]);
  }

  private bindUdp(at: SocketAddress): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: at.family === 4 ? 'udp4' : 'udp6', lookup: literalLookup(at.family) as never });
      sock.once('error', reject);
      sock.bind(at.port, at.host, () => {
        sock.off('error', reject);
        sock.on('error', (err) => this.logger.warn({ err }, 'dns: udp socket error'));
        sock.on('message', (msg, rinfo) => this.onUdp(sock, msg, rinfo));
        resolve(sock);
      });
    });
  }

  private listenTcp(at: SocketAddress): Promise<TcpServer> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.onTcpConnection(socket));
      server.maxConnections = this.options.maxTcpConnections ?? 1000;
      server.once('error', reject);
      server.listen({ port: at.port, host: at.host, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.logger.warn({ err }, 'dns: tcp server error'));
        resolve(server);
      });
    });
  }

  /** The hot path: one datagram in, at most one out, synchronously for names in the zone. */
  private onUdp(sock: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    let n: number;
    try {
      n = this.responder.respond(msg, true);
    } catch (err) {
      this.logger.error({ err, from: rinfo.address }, 'dns: failed to answer');
      return;
    }
    if (n > 0) {
      const out = Buffer.allocUnsafe(n);
      this.scratch.copy(out, 0, 0, n);
      sock.send(out, rinfo.port, rinfo.address);
    } else if (n !== IGNORE) {
      this.later(n, msg, true, (bytes) => {
        if (!this.closed) sock.send(bytes, rinfo.port, rinfo.address);
      });
    }
  }

  private onTcpConnection(socket: TcpSocket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn = new TcpDnsConnection(socket, this.clock, (frame, reply) => this.onTcpQuery(frame, reply));
    this.connections.add(conn);
    socket.once('close', () => this.connections.delete(conn));
  }

  private onTcpQuery(frame: Buffer, reply: Reply): void {
    let n: number;
    try {
      n = this.responder.respond(frame, false);
    } catch (err) {
      this.logger.error({ err }, 'dns: failed to answer');
      return;
    }
    if (n > 0) reply(this.copyOut(n));
    else if (n !== IGNORE) this.later(n, frame, false, reply);
  }

  private copyOut(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    this.scratch.copy(out, 0, 0, n);
    return out;
  }

  /** FORWARD or WAIT: finish asynchronously. */
  private later(code: number, packet: Uint8Array, udp: boolean, reply: Reply): void {
    const query = this.responder.forwardQuery!;
    if (code === FORWARD) void this.forward(query, packet, udp, reply);
    else if (code === WAIT) void this.waitForView(query, this.responder.waitFor!, packet, udp, reply);
  }

  private async forward(query: DnsQuery, packet: Uint8Array, udp: boolean, reply: Reply): Promise<void> {
    const res = this.recursor === undefined ? undefined : await this.recursor.forward(packet, query.question, !udp);
    if (res !== undefined) reply(res);
    else reply(this.copyOut(this.responder.errorReply(query, Rcode.SERVFAIL, udp)));
  }

  private async waitForView(query: DnsQuery, ready: Promise<void>, packet: Uint8Array, udp: boolean, reply: Reply): Promise<void> {
    let timer: Timer | undefined;
    const ok = await Promise.race([
      ready.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = this.clock.setTimer(this.viewTimeoutMs, () => resolve(false));
      }),
    ]);
    timer?.cancel();
    if (this.closed) return;
    const n = ok ? this.responder.respond(packet, udp) : WAIT;
    if (n > 0) reply(this.copyOut(n));
    else if (n === WAIT) reply(this.copyOut(this.responder.errorReply(query, Rcode.SERVFAIL, udp)));
  }

  private sweep(idleMs: number): void {
    const now = this.clock.monotonic();
    for (const c of this.connections) if (c.idleSince(now) > idleMs) c.destroy();
  }
}

function closeUdp(sock: UdpSocket | undefined): Promise<void> {
  if (sock === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      sock.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
