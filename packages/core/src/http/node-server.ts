/**
 * Binds a fetch handler (e.g. `createApi(...).fetch`) to a node:http server,
 * with a graceful close: stop accepting, close idle keep-alive sockets at once,
 * let in-flight requests finish for up to `graceMs`, then destroy what is left
 * (long-lived SSE streams included).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../logger.js';
import { noopLogger } from '../logger.js';

/** What the handler gets as its second argument (hono: `c.env`). */
export interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

export type FetchHandler = (request: Request, env: NodeBindings) => Response | Promise<Response>;

export interface ServeOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  logger?: Logger;
  /** Aborting it starts `close()` with the default grace. */
  signal?: AbortSignal;
  /** Default grace for `close()` in ms. Default 10 000. */
  graceMs?: number;
  /** Times the grace period. Default the system clock. */
  clock?: Clock;
}

export interface HttpServerHandle {
  /** `http://host:port`, with IPv6 hosts in brackets. */
  url: string;
  port: number;
  address: string;
  server: Server;
  /** Aborts when closing starts: long-lived handlers (SSE) may end their streams early. */
  closing: AbortSignal;
  /**
   * Stops accepting connections, closes idle ones, waits up to `graceMs` for
   * in-flight requests, then destroys the remaining sockets. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** Starts listening and resolves once the socket is bound. */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<HttpServerHandle> {
  const logger = options.logger ?? noopLogger;
  const clock = options.clock ?? systemClock;
  // overrideGlobalObjects: false, so a library does not replace the global Request/Response.
  const listener = getRequestListener((req, env) => handler(req, env as NodeBindings), { overrideGlobalObjects: false });
  const tracker = new ConnectionTracker();
  const server = createServer((req, res) => {
    tracker.begin(req, res);
    void listener(req, res);
  });
  server.on('connection', (socket) => tracker.add(socket));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  const host = info.family === 'IPv6' || info.address.includes(':') ? `[${info.address}]` : info.address;
  const url = `http://${host}:${info.port}`;
  logger.info({ event: 'http_listen', url, address: info.address, port: info.port }, 'listening');

  const closingCtl = new AbortController();
  let closed: Promise<void> | undefined;
  const close = (graceMs = options.graceMs ?? 10_000): Promise<void> => {
    closed ??= shutdown(server, tracker, closingCtl, { graceMs, clock, logger, url });
    return closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  if (options.signal?.aborted) void close();
  return { url, port: info.port, address: info.address, server, closing: closingCtl.signal, close };
}

async function shutdown(
  server: Server,
  tracker: ConnectionTracker,
  closingCtl: AbortController,
  ctx: { graceMs: number; clock: Clock; logger: Logger; url: string },
): Promise<void> {
  const start = ctx.clock.monotonic();
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  tracker.draining = true;
  closingCtl.abort();
  tracker.closeIdle();
  let forced = 0;
  const timer = ctx.clock.setTimer(ctx.graceMs, () => {
    forced = tracker.destroyAll();
  });
  await done;
  timer.cancel();
  ctx.logger.info({ event: 'http_close', url: ctx.url, durationMs: ctx.clock.monotonic() - start, forcedSockets: forced }, 'closed');
}

/**
 * Counts in-flight requests per socket, so a closing server can end a socket as
 * soon as it has nothing in flight (idle keep-alive ones at once, busy ones when
 * their response is flushed) and destroy the rest when the grace runs out.
 */
class ConnectionTracker {
  draining = false;
  private readonly inFlight = new Map<Socket, number>();

  add(socket: Socket): void {
    this.inFlight.set(socket, 0);
    socket.once('close', () => this.inFlight.delete(socket));
  }

  begin(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
    // A request arriving while draining is served, but the connection ends after it.
    if (this.draining) res.shouldKeepAlive = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const current = this.inFlight.get(socket);
      if (current === undefined) return;
      this.inFlight.set(socket, current - 1);
      // Ends the socket once the response is flushed, without waiting for the peer.
      if (this.draining && current === 1) socket.destroySoon();
    };
    res.once('finish', end);
    res.once('close', end);
  }

  closeIdle(): void {
    for (const [socket, n] of this.inFlight) if (n === 0) socket.destroy();
  }

  /** Destroys every socket still open; returns how many there were. */
  destroyAll(): number {
    const n = this.inFlight.size;
    for (const socket of this.inFlight.keys()) socket.destroy();
    return n;
  }
}
