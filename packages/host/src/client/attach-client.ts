/**
 * The client side of `POST /attach` (`flynn-attach/0`, reference §2.10): an
 * HTTP upgrade on a fresh connection, then the job's stdout/stderr as
 * readables, stdin as a writable, signals and tty resizes, and the exit code.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { FlynnError } from '@flynn-ts/core';
import { httpErrorFrom } from '@flynn-ts/core/http';
import type { AttachRequest } from '../attach/core/attach-codec.js';
import { ATTACH_PROTOCOL, AttachFlag, encodeData, encodeEof, encodeResize, encodeSignal } from '../attach/core/attach-codec.js';
import { AttachDecoder } from '../attach/core/attach-decoder.js';

export interface AttachOptions {
  jobId: string;
  /** Send stdin (the job must have been started with `config.stdin`). Default false. */
  stdin?: boolean;
  /** Default true. */
  stdout?: boolean;
  /** Default true. */
  stderr?: boolean;
  /** Replay the job's output from its start. Default false (from now on; a job attached before it started gets all of it). */
  logs?: boolean;
  /** Follow the output until the job exits and get its exit code. Default true. */
  stream?: boolean;
  height?: number;
  width?: number;
  /** When the job is not running yet: wait for it (default) or fail with `FLYNN_HOST_ATTACH_WOULD_WAIT`. */
  wait?: boolean;
  /** Aborting closes the connection. */
  signal?: AbortSignal;
}

export interface AttachSession {
  /** Whether the host said `waiting` first (the job had not started). */
  readonly waited: boolean;
  /** Resolves once the job runs and the host said `success`; rejects with the host's error. */
  readonly attached: Promise<void>;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The job's exit code (with `stream`); undefined when the session ended without one. Rejects with the host's error message. */
  readonly exit: Promise<number | undefined>;
  /** Sends a signal (e.g. 2 for SIGINT) to the job. */
  signal(signal: number): void;
  /** Resizes the job's tty. */
  resize(height: number, width: number): void;
  /** Closes the connection (the host then closes the job's stdin). */
  close(): void;
}

export const ATTACH_WOULD_WAIT = 'FLYNN_HOST_ATTACH_WOULD_WAIT';
export const ATTACH_FAILED = 'FLYNN_HOST_ATTACH_FAILED';

/** Opens an attach session to the host at `baseUrl`; resolves after the host's first state byte. */
export function attachToJob(baseUrl: string, options: AttachOptions): Promise<AttachSession> {
  const url = new URL('/attach', baseUrl);
  const flags =
    (options.stdout !== false ? AttachFlag.stdout : 0) |
    (options.stderr !== false ? AttachFlag.stderr : 0) |
    (options.stdin ? AttachFlag.stdin : 0) |
    (options.logs ? AttachFlag.logs : 0) |
    (options.stream !== false ? AttachFlag.stream : 0);
  const body: AttachRequest = { job_id: options.jobId, flags };
  if (options.height !== undefined) body.height = options.height;
  if (options.width !== undefined) body.width = options.width;
  const payload = JSON.stringify(body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttachSession>((resolve, reject) => {
    const req: ClientRequest = request(url, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: ATTACH_PROTOCOL, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(httpErrorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), url.toString())));
      res.on('error', reject);
    });
    req.once('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => {
      req.off('error', reject);
      new ClientSession(socket, flags, options).start(head).then(resolve, reject);
    });
    req.end(payload);
  });
}

class ClientSession implements AttachSession {
  waited = false;
  readonly attached: Promise<void>;
  readonly stdin: Writable;
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  readonly exit: Promise<number | undefined>;
  private resolveAttached!: () => void;
  private rejectAttached!: (err: unknown) => void;
  private resolveExit!: (code: number | undefined) => void;
  private rejectExit!: (err: unknown) => void;
  private firstState: ((state: 'success' | 'waiting' | Error) => void) | undefined;
  private readonly decoder = new AttachDecoder({ side: 'client' });
  private settled = false;

  constructor(
    private readonly socket: Socket,
    private readonly flags: number,
    private readonly options: AttachOptions,
  ) {
    this.attached = new Promise((res, rej) => {
      this.resolveAttached = res;
      this.rejectAttached = rej;
    });
    this.exit = new Promise((res, rej) => {
      this.resolveExit = res;
      this.rejectExit = rej;
    });
    // Unobserved rejections are the caller's business, not a crash.
    this.attached.catch(() => {});
    this.exit.catch(() => {});
    this.stdout = new PassThrough();
    this.stderr = new PassThrough();
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (chunk.length === 0) return cb();
        socket.write(encodeData(0, chunk), (err) => cb(err ?? null));
      },
      final: (cb) => {
        socket.write(encodeEof(0), (err) => cb(err ?? null));
      },
    });
    this.stdin.on('error', () => {});
    for (const r of [this.stdout, this.stderr]) r.on('drain', () => socket.resume());
  }

  /** Resolves after the first state byte. */
  start(head: Buffer): Promise<AttachSession> {
    const first = new Promise<'success' | 'waiting' | Error>((resolve) => (this.firstState = resolve));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.once('close', () => this.onClose());
    this.socket.on('error', () => {});
    if (head.length > 0) this.onData(head);
    return first.then((state) => {
      if (state instanceof Error) throw state;
      if (state === 'waiting' && this.options.wait === false) {
        this.close();
        throw new FlynnError(ATTACH_WOULD_WAIT, 'attach would wait: the job is not running', { apiCode: 'conflict' });
      }
      return this;
    });
  }

  signal(signal: number): void {
    this.socket.write(encodeSignal(signal));
  }

  resize(height: number, width: number): void {
    this.socket.write(encodeResize(height, width));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      switch (frame.type) {
        case 'waiting':
          this.waited = true;
          this.firstState?.('waiting');
          this.firstState = undefined;
          break;
        case 'success':
          this.firstState?.('success');
          this.firstState = undefined;
          this.resolveAttached();
          break;
        case 'data': {
          const out = frame.stream === 1 ? this.stdout : this.stderr;
          if (out.writableEnded) break;
          if (frame.data.length === 0) {
            if (frame.stream !== 3) out.end();
            break;
          }
          if (!out.write(frame.data)) this.socket.pause();
          break;
        }
        case 'exit':
          this.finish(frame.code);
          this.socket.end();
          break;
        case 'error':
          this.fail(new FlynnError(ATTACH_FAILED, frame.message, { apiCode: 'conflict' }));
          break;
        default:
          break;
      }
    }
    if (this.decoder.err) this.fail(new FlynnError(ATTACH_FAILED, `attach protocol error: ${this.decoder.err}`));
  }

  private onClose(): void {
    if (this.settled) return;
    if (this.firstState) {
      this.fail(new FlynnError(ATTACH_FAILED, 'attach connection closed before the host answered'));
      return;
    }
    if (this.flags & AttachFlag.stream) this.fail(new FlynnError(ATTACH_FAILED, 'attach connection closed before the job exited'));
    else this.finish(undefined);
  }

  private finish(code: number | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.stdout.end();
    this.stderr.end();
    this.resolveAttached();
    this.resolveExit(code);
  }

  private fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.firstState?.(err);
    this.firstState = undefined;
    this.rejectAttached(err);
    this.rejectExit(err);
    this.stdout.end();
    this.stderr.end();
    this.socket.destroy();
  }
}

