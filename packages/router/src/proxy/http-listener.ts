/**
 * The plain-HTTP listener: a `net.Server` whose connections become
 * {@link H1Connection}s, optionally after a PROXY protocol v1 header that
 * carries the real client address (`PROXY_PROTOCOL=true`).
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { parseProxyV1 } from '../core/proxy-protocol.js';
import { H1Connection } from './h1-connection.js';
import type { ListenerInfo } from './h1-connection.js';
import type { ProxyContext } from './proxy-context.js';
import { readAcceptedIntoSharedBuffer } from './shared-read-accept.js';

export interface HttpListenerOptions {
  /** Expect a PROXY protocol v1 header first on every connection. */
  proxyProtocol?: boolean;
}

export function createHttpServer(ctx: ProxyContext, info: ListenerInfo, options: HttpListenerOptions = {}): Server {
  const onSocket = options.proxyProtocol
    ? (socket: Socket) => readProxyHeader(socket, ctx, (clientIp, rest) => new H1Connection(socket, ctx, info, clientIp, rest))
    : (socket: Socket) => new H1Connection(socket, ctx, info);
  const server = createServer({ allowHalfOpen: true, noDelay: true }, onSocket);
  // Without PROXY headers (read with 'data' events), client sockets read into the shared buffer.
  if (options.proxyProtocol !== true) server.once('listening', () => readAcceptedIntoSharedBuffer(server));
  return server;
}

/**
 * Reads a PROXY v1 header, then hands the socket on with the client address
 * and any bytes after the header. A missing or malformed header closes the
 * connection (the listener is configured for PROXY protocol, so a client
 * talking to it directly is refused, as HAProxy's `accept-proxy` does).
 */
export function readProxyHeader(socket: Socket, ctx: ProxyContext, next: (clientIp: string | undefined, rest: Buffer | undefined) => void): void {
  let buf: Buffer | null = null;
  socket.setTimeout(ctx.timeouts.headerMs);
  const onTimeout = () => socket.destroy();
  const onError = () => socket.destroy();
  const onData = (chunk: Buffer) => {
    buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
    const h = parseProxyV1(buf);
    if (h.kind === 'need-more') return;
    socket.removeListener('data', onData);
    socket.removeListener('timeout', onTimeout);
    socket.removeListener('error', onError);
    socket.setTimeout(0);
    if (h.kind === 'invalid') {
      ctx.logger.debug({ event: 'proxy_protocol_invalid', reason: h.reason }, 'bad PROXY header');
      socket.destroy();
      return;
    }
    const rest = h.length < buf.length ? buf.subarray(h.length) : undefined;
    next(h.source?.ip, rest);
  };
  socket.on('data', onData);
  socket.on('timeout', onTimeout);
  socket.on('error', onError);
}
