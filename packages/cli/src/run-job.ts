/**
 * One-off jobs (reference §5.3 `POST /apps/:id/jobs`): detached, a JSON
 * call answered with the job; attached, the same request with `Upgrade:
 * flynn-attach/0`, answered `101 Switching Protocols`, after which the
 * connection carries attach frames (./core/attach-frames.ts) between the CLI
 * and the job, through the controller's attach proxy.
 *
 * The upgrade goes over node:http with the connection's connector, so a TLS
 * pin is checked exactly as for every other request.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequestArgs, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { httpErrorFrom } from '@flynn-ts/core/http';
import type { Job } from '@flynn-ts/controller';
import type { ClusterConnection } from './connection.js';
import { ServerFrameDecoder, encodeResize, encodeSignal, encodeStdin, encodeStdinEof } from './core/attach-frames.js';
import { CliError } from './errors.js';
import { pinnedConnector } from './tls-pin.js';

/** The original's `ct.NewJob`. */
export interface NewJob {
  release?: string;
  artifacts?: string[];
  release_env?: boolean;
  args?: string[];
  env?: Record<string, string>;
  meta?: Record<string, string>;
  tty?: boolean;
  tty_columns?: number;
  tty_lines?: number;
  disable_log?: boolean;
  resources?: Record<string, { limit?: number; request?: number }>;
  profiles?: string[];
  mounts_from?: string;
  /** Deprecated fields older controllers read. */
  entrypoint?: string[];
  cmd?: string[];
}

export const ATTACH_PROTOCOL = 'flynn-attach/0';

export function runJobDetached(conn: ClusterConnection, app: string, job: NewJob): Promise<Job> {
  return conn.request<Job>('POST', `/apps/${encodeURIComponent(app)}/jobs`, job);
}

/** Opens an attached job; resolves with the upgraded connection. */
export function runJobAttached(conn: ClusterConnection, app: string, job: NewJob, timeoutMs = 30_000): Promise<{ socket: Duplex; head: Buffer }> {
  const url = new URL(`${conn.url}/apps/${encodeURIComponent(app)}/jobs`);
  const payload = JSON.stringify(job);
  const connector = pinnedConnector(conn.pin, { timeoutMs });
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const createConnection = ((_opts: ClientRequestArgs, oncreate: (err: Error | null, socket: Socket | null) => void) => {
    connector({ hostname, host: url.host, protocol: url.protocol, port: url.port }, (err, socket) => (err ? oncreate(err, null) : oncreate(null, socket as Socket)));
    return undefined;
  }) as unknown as ClientRequestArgs['createConnection'];
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      method: 'POST',
      path: url.pathname,
      createConnection,
      headers: {
        host: url.host,
        authorization: conn.authorization,
        accept: 'application/json',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        connection: 'Upgrade',
        upgrade: ATTACH_PROTOCOL,
      },
    });
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => reject(httpErrorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), url.toString())));
      res.once('error', reject);
    });
    req.once('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => {
      req.off('error', reject);
      resolve({ socket, head });
    });
    req.end(payload);
  });
}

export interface AttachStreams {
  stdin: NodeJS.ReadableStream | undefined;
  stdout: { write(chunk: Uint8Array): unknown };
  stderr: { write(chunk: Uint8Array): unknown };
}

/** A running attach session: frames in, stdio out; resolves with the job's exit code. */
export class AttachSession {
  private readonly decoder = new ServerFrameDecoder();
  readonly exit: Promise<number>;
  private settle!: { resolve: (code: number) => void; reject: (err: unknown) => void };
  private done = false;

  constructor(
    private readonly socket: Duplex,
    private readonly streams: AttachStreams,
  ) {
    this.exit = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.exit.catch(() => {});
  }

  start(head: Buffer): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.once('close', () => this.fail(new CliError('attach connection closed before the job exited')));
    this.socket.on('error', () => {});
    if (head.length > 0) this.onData(head);
    const stdin = this.streams.stdin;
    if (stdin) {
      stdin.on('data', (chunk: Buffer | string) => {
        if (!this.done) this.socket.write(encodeStdin(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
      });
      stdin.once('end', () => {
        if (!this.done) this.socket.write(encodeStdinEof());
      });
    } else {
      this.socket.write(encodeStdinEof());
    }
  }

  signal(signal: number): void {
    if (!this.done) this.socket.write(encodeSignal(signal));
  }

  resize(height: number, width: number): void {
    if (!this.done) this.socket.write(encodeResize(height, width));
  }

  close(): void {
    this.done = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      switch (frame.type) {
        case 'data':
          if (frame.data.length > 0) (frame.stream === 1 ? this.streams.stdout : this.streams.stderr).write(frame.data);
          break;
        case 'exit':
          this.finish(frame.code);
          return;
        case 'error':
          this.fail(new CliError(`attach failed: ${frame.message}`));
          return;
        default:
          break;
      }
    }
    if (this.decoder.err) this.fail(new CliError(`attach protocol error: ${this.decoder.err}`));
  }

  private finish(code: number): void {
    if (this.done) return;
    this.done = true;
    this.settle.resolve(code);
    this.socket.end();
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.settle.reject(err);
    this.socket.destroy();
  }
}
