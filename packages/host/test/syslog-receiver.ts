/**
 * A log receiver for tests: the receiving side of a logaggregator in ~100
 * lines. RFC 6587 frames over TCP decoded with the host's own codecs
 * (`@flynn-ts/host/syslog`), messages stored in memory, `GET /cursors`
 * answering the last seq stored per host on its own HTTP port (what a
 * logaggregator publishes as instance meta `API_PORT`). It can be stopped and
 * started again on the same ports, keeping what it stored (a restarted
 * aggregator with its storage), optionally losing the newest messages.
 */
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';
import { advanceCursor, FrameDecoder, fromSyslogMessage, parseRfc5424 } from '@flynn-ts/host/syslog';
import type { CursorMap } from '@flynn-ts/host/syslog';

export interface Received {
  seq: number;
  host: string;
  jobId: string;
  stream: string;
  message: string;
}

export class TestReceiver {
  stored: Received[] = [];
  cursors: CursorMap = {};
  errors: string[] = [];
  connections = 0;
  tcpPort = 0;
  httpPort = 0;
  private tcp: TcpServer | undefined;
  private http: HttpServer | undefined;
  private sockets = new Set<Socket>();
  private paused = false;

  /** `host`: the address both listeners bind (default 127.0.0.1). `maxMessageChars` cuts stored messages. */
  constructor(readonly options: { host?: string; maxMessageChars?: number } = {}) {}

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Listens (again, on the same ports after a stop). */
  async start(): Promise<void> {
    this.http = createHttpServer((req, res) => {
      if (req.method === 'GET' && req.url === '/cursors') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.cursors));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'not_found', message: 'not found' }));
      }
    });
    this.tcp = createTcpServer((socket) => this.accept(socket));
    this.httpPort = await listen(this.http, this.host, this.httpPort);
    this.tcpPort = await listen(this.tcp, this.host, this.tcpPort);
  }

  /**
   * The receiver dies: listeners closed, connections destroyed (whatever is in
   * flight is lost), and the last `forget` stored messages are lost too, as if
   * they were still in its buffers.
   */
  async stop(forget = 0): Promise<void> {
    if (!this.tcp || !this.http) return;
    const closing = [close(this.tcp), close(this.http)];
    for (const s of this.sockets) s.destroy();
    this.http.closeAllConnections();
    await Promise.all(closing);
    this.tcp = undefined;
    this.http = undefined;
    this.stored.splice(this.stored.length - forget, forget);
    this.cursors = {};
    for (const r of this.stored) advanceCursor(this.cursors, r.host, r.seq, '');
  }

  /** Stops reading from its connections (a slow receiver): the host's writes back up. */
  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.pause();
  }

  resume(): void {
    this.paused = false;
    for (const s of this.sockets) s.resume();
  }

  /** The stored messages of one job (in arrival order). */
  messagesOf(jobId: string): string[] {
    return this.stored.filter((r) => r.jobId === jobId).map((r) => r.message);
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    if (this.paused) socket.pause();
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        try {
          const { line, seq, hostId } = fromSyslogMessage(parseRfc5424(frame));
          const message = this.options.maxMessageChars === undefined ? line.message : line.message.slice(0, this.options.maxMessageChars);
          this.stored.push({ seq, host: hostId ?? '', jobId: line.jobId, stream: line.stream, message });
          advanceCursor(this.cursors, hostId ?? '', seq, '');
        } catch (err) {
          this.errors.push(String(err));
        }
      }
      if (decoder.error) {
        this.errors.push(decoder.error.message);
        socket.destroy();
      }
    });
  }
}

function listen(server: TcpServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

function close(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
