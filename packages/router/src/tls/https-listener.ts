/**
 * The HTTPS listener: TLS with SNI (see {@link CertificateStore}), minimum
 * TLS 1.2, ALPN `h2` (and the draft `h2-14` of the original) → the HTTP/2
 * bridge, `http/1.1` → the same {@link H1Connection} as plain HTTP. With the
 * PROXY protocol flag the header is read from the raw TCP connection before
 * the handshake.
 */
import { createServer as createH2Server } from 'node:http2';
import type { Http2Server, Http2Session } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import type { SecureContext, Server as TlsServer, TlsOptions } from 'node:tls';
import { normalizeHost } from '../core/host.js';
import type { Certificate } from '../core/types.js';
import { clientAddress } from '../proxy/addresses.js';
import { H1Connection } from '../proxy/h1-connection.js';
import type { ListenerInfo } from '../proxy/h1-connection.js';
import { handleH2Stream } from '../proxy/h2-stream.js';
import { readProxyHeader } from '../proxy/http-listener.js';
import type { ProxyContext } from '../proxy/proxy-context.js';
import type { CertificateStore } from './certificate-store.js';

export interface HttpsListenerOptions {
  proxyProtocol?: boolean;
  /** Offer HTTP/2. Default true. */
  http2?: boolean;
  /** Route certificate for a server name at this listener, undefined → default certificate. */
  certificateFor(serverName: string): Certificate | undefined;
}

const ALPN_H2 = ['h2', 'h2-14', 'http/1.1'];
/** The PROXY-protocol client address, stored on the TLS socket (HTTP/2 sessions only expose a proxy of it). */
const CLIENT_IP = Symbol('flynn.router.clientIp');
type Tagged = TLSSocket & { [CLIENT_IP]?: string };
const ALPN_H1 = ['http/1.1'];

/** Returns the server to `listen()` on: a TLS server, or a TCP server reading PROXY headers first. */
export function createHttpsServer(ctx: ProxyContext, info: ListenerInfo, store: CertificateStore, options: HttpsListenerOptions): TlsServer | NetServer {
  const h2 = options.http2 === false ? undefined : createH2(ctx, info);
  const onSecure = (socket: TLSSocket) => {
    if (h2 !== undefined && (socket.alpnProtocol === 'h2' || socket.alpnProtocol === 'h2-14')) {
      h2.emit('connection', socket);
      return;
    }
    new H1Connection(socket, ctx, info, (socket as Tagged)[CLIENT_IP]);
  };
  const SNICallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
    let context = store.defaultContext;
    const host = normalizeHost(servername);
    const cert = host === undefined ? undefined : options.certificateFor(host);
    if (cert !== undefined) {
      try {
        context = store.contextFor(cert);
      } catch (err) {
        ctx.logger.warn({ event: 'tls_certificate_invalid', servername, err }, 'route certificate unusable; using the default');
      }
    }
    cb(null, context);
  };
  const tlsOptions: TlsOptions = {
    SNICallback,
    ALPNProtocols: h2 === undefined ? ALPN_H1 : ALPN_H2,
    minVersion: store.minVersion,
    handshakeTimeout: Math.min(ctx.timeouts.headerMs, 30_000),
    allowHalfOpen: true,
  };
  // Without SNI (a client dialing an IP) the server's own certificate is used: the default one.
  if (store.defaultPair) {
    tlsOptions.cert = store.defaultPair.cert;
    tlsOptions.key = store.defaultPair.key;
  }
  const tlsServer = createTlsServer(tlsOptions, onSecure);
  tlsServer.on('tlsClientError', (err) => ctx.logger.debug({ event: 'tls_client_error', err }, 'TLS handshake failed'));
  if (!options.proxyProtocol) return tlsServer;

  return createNetServer({ allowHalfOpen: true, noDelay: true }, (raw: Socket) => {
    readProxyHeader(raw, ctx, (clientIp, rest) => {
      const socket = new TLSSocket(rest === undefined ? raw : prepend(raw, rest), { ...tlsOptions, isServer: true, server: tlsServer });
      const ip = clientIp ?? clientAddress(raw);
      (socket as Tagged)[CLIENT_IP] = ip;
      const timer = setTimeout(() => socket.destroy(), tlsOptions.handshakeTimeout ?? 30_000);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => clearTimeout(timer));
      socket.once('secure', () => {
        clearTimeout(timer);
        onSecure(socket);
      });
    });
  });
}

function createH2(ctx: ProxyContext, info: ListenerInfo): Http2Server {
  const h2 = createH2Server({ settings: { maxConcurrentStreams: 256 } });
  h2.on('session', (session: Http2Session) => {
    session.setTimeout(ctx.timeouts.idleMs, () => session.close());
    session.on('error', () => {});
    // Graceful drain: GOAWAY, streams in flight finish.
    const conn = { drain: () => session.close(), destroy: () => session.destroy(), sweep: () => {} };
    ctx.connections.add(conn);
    session.on('close', () => ctx.connections.delete(conn));
    if (ctx.draining) session.close();
  });
  h2.on('stream', (stream, headers) => {
    const socket = stream.session?.socket as Tagged | undefined;
    const ip = socket === undefined ? '' : (socket[CLIENT_IP] ?? clientAddress(socket));
    handleH2Stream(stream, headers, ctx, info, ip);
  });
  return h2;
}

/** `socket` with `head` read first (TLS bytes that arrived with the PROXY header). */
function prepend(socket: Socket, head: Buffer): Duplex {
  let first: Buffer | null = head;
  const d = new Duplex({
    read() {
      if (first !== null) {
        const b = first;
        first = null;
        this.push(b);
      }
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
    allowHalfOpen: true,
  });
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('error', (err) => d.destroy(err));
  socket.on('close', () => d.destroy());
  return d;
}
