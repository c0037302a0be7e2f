/**
 * An attached one-off job (`POST /apps/:id/jobs` with `Upgrade:
 * flynn-attach/0`), as the original's `RunJob` did it:
 *
 * 1. prepare the job (release, host, `pending` record);
 * 2. attach to it on the host *before* it exists (stdout, stderr, stdin,
 *    stream; the terminal size as height/width), so no output is lost: the
 *    host answers `waiting`;
 * 3. start it (`PUT /host/jobs/:id`), then wait for the host's `success`;
 * 4. answer the client `101 Switching Protocols` and relay the raw bytes both
 *    ways: stdin, signal and resize frames to the host; output, EOF and
 *    `exit` (or `error`) frames to the client. The host's `waiting` /
 *    `success` bytes are not relayed (the client sees frames only).
 *
 * Until the 101, a failure is an ordinary JSON error response (thrown to
 * the caller); after it, either side closing ends the other once its
 * pending bytes are written.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { onAbort } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { readAttachStart } from '../core/attach-state.js';
import type { NewJobInput } from '../core/new-job-input.js';
import { unavailable } from '../errors.js';
import type { HostAttachConnection } from './host-attach.js';
import { ATTACH_PROTOCOL, AttachFlags, openHostAttach } from './host-attach.js';
import type { JobLauncher } from './job-launcher.js';

export interface AttachRunOptions {
  launcher: JobLauncher;
  /** The client's upgraded connection (nothing written to it yet). */
  client: Duplex;
  /** Client bytes that came after the request body (early stdin frames). */
  clientRest: Buffer;
  appRef: string;
  input: NewJobInput;
  /** Aborts when the client goes away before the upgrade. */
  signal: AbortSignal;
  logger: Logger;
  /** Called once both connections are up, with a function that tears them down. */
  onRelay?: (destroy: () => void) => () => void;
}

export interface AttachRunResult {
  jobId: string;
  hostId: string;
  /** Resolves when the relay has ended (both connections closed). */
  ended: Promise<void>;
}

/**
 * Runs steps 1–4; resolves once the 101 was sent (with the relay running),
 * rejects (nothing written to the client) before that.
 */
export async function runAttachedJob(o: AttachRunOptions): Promise<AttachRunResult> {
  const prepared = await o.launcher.prepare(o.appRef, o.input, { attach: true, signal: o.signal });
  const jobId = prepared.hostJob.id;
  let host: HostAttachConnection;
  try {
    const request = { job_id: jobId, flags: AttachFlags.stdout | AttachFlags.stderr | AttachFlags.stdin | AttachFlags.stream };
    host = await openHostAttach(prepared.host.client.url, {
      ...request,
      ...(o.input.lines !== undefined ? { height: o.input.lines } : {}),
      ...(o.input.columns !== undefined ? { width: o.input.columns } : {}),
    }, o.signal);
  } catch (err) {
    await o.launcher.abandon(prepared, `attach failed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  try {
    await o.launcher.start(prepared);
    const frames = await waitForStart(host, o.signal, prepared.host.id);
    if (o.signal.aborted) throw unavailable('the client went away');
    o.client.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${ATTACH_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`);
    if (frames.length > 0) o.client.write(frames);
    if (o.clientRest.length > 0) host.socket.write(o.clientRest);
  } catch (err) {
    host.socket.destroy();
    throw err;
  }
  o.logger.info({ event: 'attach_relay', jobId, hostId: prepared.host.id }, 'relaying the job attach stream');
  return { jobId, hostId: prepared.host.id, ended: relay(o.client, host.socket, o.onRelay) };
}

/** Reads the host's state bytes; resolves with the frames after `success` (or with the first frame that came instead). */
function waitForStart(host: HostAttachConnection, signal: AbortSignal, hostId: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = host.head;
    const socket: Socket = host.socket;
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      offAbort();
      socket.pause();
    };
    const check = (): boolean => {
      const start = readAttachStart(buf);
      if (start.kind === 'pending') {
        buf = Buffer.alloc(0);
        return false;
      }
      cleanup();
      resolve(Buffer.from(start.rest));
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      check();
    };
    const onClose = () => {
      cleanup();
      reject(unavailable(`host ${hostId} closed the attach connection before the job started`));
    };
    const offAbort = onAbort(signal, () => {
      cleanup();
      reject(unavailable('the client went away'));
    });
    if (signal.aborted || check()) return;
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

/** Pipes both ways; a side that closes ends the other once its pending bytes are written. */
function relay(client: Duplex, host: Socket, onRelay: AttachRunOptions['onRelay']): Promise<void> {
  const destroy = () => {
    client.destroy();
    host.destroy();
  };
  const unregister = onRelay?.(destroy) ?? (() => {});
  const closed = (s: Duplex) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
  const endSoon = (s: Duplex) => {
    if (s.destroyed) return;
    const socket = s as Partial<Socket>;
    if (typeof socket.destroySoon === 'function') socket.destroySoon();
    else s.end();
  };
  client.on('error', destroy);
  host.on('error', destroy);
  client.once('close', () => endSoon(host));
  host.once('close', () => endSoon(client));
  host.pipe(client);
  client.pipe(host);
  client.resume();
  host.resume();
  return Promise.all([closed(client), closed(host)]).then(() => unregister());
}
