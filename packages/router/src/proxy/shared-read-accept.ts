/**
 * Plain-HTTP client sockets read without stream machinery: every read lands
 * in one buffer shared by all such sockets of the process (`onread`), and
 * the socket's reader handles it synchronously, before the next read can
 * overwrite it. Node offers `onread` only for sockets it creates itself
 * (`net.connect`, `new net.Socket`), not for accepted ones, so this replaces
 * the listening handle's `onconnection` with one that builds the client
 * socket the way `net.Server` does, plus `onread`. Each read then costs no
 * 64 KiB allocation, no Buffer per read and no `Readable` push (about a
 * microsecond per request on the benchmark machine).
 *
 * TLS sockets are made by `tls.Server`, which offers no `onread` either:
 * {@link readTlsIntoSharedBuffer} switches an established one over by setting
 * the (private) fields `onread` sets, found by value on a probe socket, and
 * pointing its TLS handle at the shared buffer (`useUserBuffer`).
 *
 * The reader (an {@link H1Connection}) must copy whatever it keeps after the
 * call ({@link isSharedReadBuffer} tells). When the handle or the fields do
 * not look as expected (another Node version), nothing is changed and
 * sockets are read with `'data'` events as usual.
 */
import { Socket } from 'node:net';
import type { Server } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What consumes the reads of a socket accepted this way. */
export interface SharedBufferReader {
  /** `buf[0, nread)` is valid during the call only. Return false to stop reading. */
  onSharedRead(nread: number, buf: Buffer): boolean;
}

/** As large as Node's own read size. */
const shared = Buffer.allocUnsafe(64 * 1024);
const READER = Symbol('flynn.router.sharedReader');
type Tagged = Socket & { [READER]?: SharedBufferReader | null };

interface ServerInternals {
  _handle?: { onconnection?: (this: unknown, err: number, clientHandle: unknown) => void } | null;
  _connections: number;
  allowHalfOpen: boolean;
  maxConnections?: number;
}

function onRead(this: Tagged, nread: number, buf: Uint8Array): boolean {
  const reader = this[READER];
  if (reader === undefined || reader === null) {
    // Nobody took the socket: nothing can make sense of its bytes.
    this.destroy();
    return false;
  }
  return reader.onSharedRead(nread, buf as Buffer);
}

/** True when `b` is (a view of) the shared read buffer: bytes that must be copied to be kept. */
export function isSharedReadBuffer(b: Buffer): boolean {
  return b.buffer === shared.buffer;
}

/** True when `socket` was accepted by {@link readAcceptedIntoSharedBuffer}: its reader must be set in the 'connection' event. */
export function readsIntoSharedBuffer(socket: Socket): boolean {
  return READER in socket;
}

/** Sets the reader of a socket accepted this way (synchronously in the server's 'connection' event). */
export function setSharedBufferReader(socket: Socket, reader: SharedBufferReader | null): void {
  (socket as Tagged)[READER] = reader;
}

/**
 * Makes the connections `server` accepts from now on read into the shared
 * buffer (call it once the server is listening). Returns false, changing
 * nothing, when the server's handle is not the expected one.
 */
export function readAcceptedIntoSharedBuffer(server: Server): boolean {
  const self = server as unknown as ServerInternals;
  const handle = self._handle;
  const original = handle?.onconnection;
  if (handle === undefined || handle === null || typeof original !== 'function') return false;
  handle.onconnection = function onconnection(this: unknown, err: number, clientHandle: unknown): void {
    // Errors and over-limit connections: Node's own handling.
    if (err !== 0 || clientHandle === null || typeof clientHandle !== 'object' || (self.maxConnections !== undefined && self.maxConnections > 0 && self._connections >= self.maxConnections)) {
      original.call(this, err, clientHandle);
      return;
    }
    const socket = new Socket({
      handle: clientHandle,
      allowHalfOpen: self.allowHalfOpen,
      readable: true,
      writable: true,
      onread: { buffer: shared, callback: onRead },
    } as ConstructorParameters<typeof Socket>[0]) as Tagged;
    socket[READER] = null;
    // What net.Server does, so that close() waits for this connection and `socket.server` is set.
    self._connections++;
    const s = socket as unknown as { server: Server; _server: Server };
    s.server = server;
    s._server = server;
    server.emit('connection', socket);
  };
  return true;
}

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let fields: OnreadFields | null | undefined;

/** Where a socket keeps its `onread` option (private symbols), or null when they cannot be found. */
function onreadFields(): OnreadFields | null {
  if (fields !== undefined) return fields;
  fields = null;
  try {
    const buffer = Buffer.alloc(1);
    const callback = () => true;
    const probe = new Socket({ onread: { buffer, callback } } as ConstructorParameters<typeof Socket>[0]);
    const own = Object.getOwnPropertySymbols(probe);
    const slots = probe as unknown as Record<symbol, unknown>;
    const b = own.find((k) => slots[k] === buffer);
    const c = own.find((k) => slots[k] === callback);
    const g = own.find((k) => k.description === 'kBufferGen' && slots[k] === null);
    probe.destroy();
    if (b !== undefined && c !== undefined && g !== undefined) fields = { buffer: b, callback: c, generator: g };
  } catch {
    fields = null;
  }
  return fields;
}

/**
 * Makes an established TLS socket read its decrypted bytes into the shared
 * buffer, as if it had been created with `onread` (call it in
 * 'secureConnection', then set its reader at once). Returns false, changing
 * nothing, when that is not possible (bytes already buffered, unknown Node
 * internals).
 */
export function readTlsIntoSharedBuffer(socket: TLSSocket): boolean {
  const f = onreadFields();
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } | null })._handle;
  if (f === null || handle === undefined || handle === null || typeof handle.useUserBuffer !== 'function') return false;
  if (socket.destroyed || socket.readableLength > 0) return false;
  const slots = socket as unknown as Record<symbol, unknown>;
  slots[f.buffer] = shared;
  slots[f.callback] = onRead;
  slots[f.generator] = null;
  (socket as Tagged)[READER] = null;
  handle.useUserBuffer(shared);
  return true;
}
