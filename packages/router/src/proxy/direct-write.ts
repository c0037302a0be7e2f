/**
 * Writes to a plain TCP socket's handle directly, past the `Writable`
 * machinery, when nothing is queued on the socket: the same call Node makes
 * (`handle.writeBuffer` / `handle.writeLatin1String` with a write request
 * object), minus the stream bookkeeping, the callback closure and a new
 * request object per write. On the proxy's hot path that is two writes per
 * request (the head to the backend, the response to the client), and the
 * stream machinery was about a quarter of the router's garbage per request.
 *
 * A write the kernel takes at once (the common case) leaves no trace. A
 * write it cannot take completely stays queued in libuv, in order with any
 * later write on the socket (libuv keeps one write queue per handle, and a
 * `socket.write()` issued meanwhile is queued behind it), and its owner is
 * told when it completes ({@link DirectWriteOwner.directWriteDone}).
 * `end()`/`destroySoon()` wait for libuv's queue too (shutdown is queued
 * behind pending writes).
 *
 * Uses Node internals (`process.binding('stream_wrap')`, the socket's
 * `_handle`); when they do not look as expected, {@link tryDirectWrite}
 * returns {@link DIRECT_UNAVAILABLE} and the caller uses `socket.write()`.
 */
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

/** Told when a queued direct write completed (status < 0: it failed; the socket is being destroyed). */
export interface DirectWriteOwner {
  directWriteDone(status: number): void;
}

/** The write went out entirely. */
export const DIRECT_WRITTEN = 1;
/** The write is queued: the owner hears `directWriteDone` when it completes (treat as `write()` returning false). */
export const DIRECT_QUEUED = 0;
/** Not done (something is queued on the stream, or no handle): use `socket.write()`. */
export const DIRECT_UNAVAILABLE = -1;

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | string | null;
  callback: null;
  owner: DirectWriteOwner | null;
}

interface StreamHandle {
  writeBuffer(req: WriteReq, data: Buffer): number;
  writeLatin1String(req: WriteReq, data: string): number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: { [i: number]: number };
  kLastWriteWasAsync: number;
}

function loadBinding(): StreamWrapBinding | null {
  if (process.env.FLYNN_ROUTER_DIRECT_WRITE === '0') return null;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (typeof b.WriteWrap !== 'function' || b.streamBaseState === undefined || typeof b.kLastWriteWasAsync !== 'number') return null;
    return b as StreamWrapBinding;
  } catch {
    return null;
  }
}

const binding = loadBinding();
/** A request object whose last write completed synchronously (never bound to a native request): reused. */
let spare: WriteReq | null = null;

function onComplete(this: WriteReq, status: number): void {
  const owner = this.owner;
  this.owner = null;
  this.buffer = null;
  owner?.directWriteDone(status);
}

function handleOf(socket: Socket): StreamHandle | null {
  const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  if (h === undefined || h === null || typeof h.writeBuffer !== 'function' || typeof h.writeLatin1String !== 'function') return null;
  return h as StreamHandle;
}

/** True when direct writes can be used in this process. */
export function directWritesAvailable(): boolean {
  return binding !== null;
}

/**
 * Writes `data` (a Buffer, or a latin1 string) to `socket`'s handle when the
 * stream has nothing queued. Returns {@link DIRECT_WRITTEN},
 * {@link DIRECT_QUEUED} or {@link DIRECT_UNAVAILABLE}. A failed write
 * destroys the socket with the error (as `socket.write()` would) and counts
 * as written.
 */
export function tryDirectWrite(socket: Socket, data: Buffer | string, owner: DirectWriteOwner): number {
  if (binding === null) return DIRECT_UNAVAILABLE;
  if (socket.writableLength !== 0 || socket.writableCorked !== 0 || socket.connecting || socket.destroyed || socket.writableEnded) return DIRECT_UNAVAILABLE;
  const h = handleOf(socket);
  if (h === null) return DIRECT_UNAVAILABLE;
  const req = spare ?? new binding.WriteWrap();
  spare = null;
  req.handle = h;
  req.oncomplete = onComplete;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  req.callback = null;
  req.owner = owner;
  const err = typeof data === 'string' ? h.writeLatin1String(req, data) : h.writeBuffer(req, data);
  if (err !== 0) {
    req.owner = null;
    const e = new Error(`write ${getSystemErrorName(err)}`) as NodeJS.ErrnoException;
    e.errno = err;
    e.code = getSystemErrorName(err);
    e.syscall = 'write';
    socket.destroy(e);
    return DIRECT_WRITTEN;
  }
  if (binding.streamBaseState[binding.kLastWriteWasAsync] !== 0) {
    // Queued in libuv: keep the bytes alive until it completes (a string was copied natively).
    req.async = true;
    req.buffer = data;
    return DIRECT_QUEUED;
  }
  req.owner = null;
  spare = req;
  return DIRECT_WRITTEN;
}
