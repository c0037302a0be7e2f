/**
 * TLS pinning, as the original's pkg/pinned: a cluster's `TLSPin` is the
 * base64 SHA-256 of the controller's leaf certificate (DER). A pinned
 * connection skips chain verification (the cluster's certificate is
 * self-signed) and instead accepts exactly the pinned certificate.
 *
 * Node calls `checkServerIdentity` only after the chain verified, which a
 * self-signed certificate never does, so the pin is checked in an undici
 * connector once the handshake is done: a mismatch destroys the socket
 * before any request (and the key in it) is written.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { CliError, TlsPinError } from './errors.js';

/** The pin of a certificate: base64 SHA-256 of its DER bytes. */
export function tlsPinOf(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64');
}

/** The pin of the first certificate in a PEM. */
export function tlsPinFromPem(pem: string): string {
  return tlsPinOf(new X509Certificate(pem).raw);
}

/** Decodes a configured pin (base64 of 32 bytes). */
export function decodeTlsPin(pin: string): Buffer {
  const bytes = Buffer.from(pin, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== pin.replace(/\s+/g, '')) {
    throw new CliError(`error decoding tls pin ${JSON.stringify(pin)}: expected the base64 SHA-256 of the certificate`);
  }
  return bytes;
}

/** Undefined when the socket's leaf certificate matches the pin, else the error to fail with. */
export function checkPin(socket: TLSSocket, pin: Uint8Array, host: string): Error | undefined {
  const cert = socket.getPeerCertificate(false);
  const raw = cert && 'raw' in cert ? cert.raw : undefined;
  if (!raw || raw.length === 0) return new TlsPinError(host);
  const digest = createHash('sha256').update(raw).digest();
  return Buffer.compare(digest, Buffer.from(pin)) === 0 ? undefined : new TlsPinError(host);
}

function isTls(socket: Socket): socket is TLSSocket {
  return typeof (socket as Partial<TLSSocket>).getPeerCertificate === 'function';
}

/**
 * An undici connector. With a pin, TLS connections skip chain verification,
 * keep no session cache (every handshake shows the certificate) and must
 * present the pinned certificate; plain HTTP is unaffected, as in the
 * original. Without a pin it is undici's default connector.
 */
export function pinnedConnector(pin: Uint8Array | undefined, options: { timeoutMs?: number } = {}): buildConnector.connector {
  const timeout = options.timeoutMs ?? 10_000;
  if (!pin) return buildConnector({ timeout });
  const base = buildConnector({ timeout, rejectUnauthorized: false, maxCachedSessions: 0 });
  return (opts, callback) => {
    base(opts, (err, socket) => {
      if (err || !socket) {
        callback(err ?? new Error('connection failed'), null);
        return;
      }
      const problem = isTls(socket) ? checkPin(socket, pin, opts.hostname) : undefined;
      if (problem) {
        socket.destroy();
        callback(problem, null);
        return;
      }
      callback(null, socket);
    });
  };
}
