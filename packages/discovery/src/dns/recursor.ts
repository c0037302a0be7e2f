/**
 * Forwards queries for names outside `discoverd.` to upstream resolvers, in
 * order, as the original's `dnsAPI.Recurse` does: a UDP client is forwarded
 * over UDP (a truncated upstream answer is relayed as is, so the client
 * retries over TCP), a TCP client over TCP; on a timeout or error the next
 * upstream is tried. Each attempt uses its own socket (a fresh source port)
 * and a random query id; a reply counts only if it comes from the upstream's
 * address and port and carries that id and the same question.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { noopLogger, type Clock, type Logger, type Random, type Timer } from '@flynn-ts/core';
import { firstQuestion } from './core/decode-message.js';
import { formatIp, parseIp } from './core/ip.js';
import type { DnsQuestion } from './core/records.js';
import { formatAddress, parseRecursorAddress, type SocketAddress } from './socket-address.js';

export interface RecursorOptions {
  /** Upstream resolvers, `ip[:port]` (port 53 by default), tried in order. */
  upstreams: readonly string[];
  /** Per-upstream timeout. */
  timeoutMs: number;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Queries forwarded at once; more fail at once (SERVFAIL). Default 1024. */
  maxInFlight?: number;
}

interface Upstream extends SocketAddress {
  /** Canonical address text, to compare with a reply's source. */
  canonical: string;
  label: string;
}

export class Recursor {
  private readonly upstreams: Upstream[];
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private closed = false;
  private readonly aborts = new Set<(reply: Uint8Array | undefined) => void>();

  /** Throws `DnsConfigError` for an upstream that is not an IP literal. */
  constructor(options: RecursorOptions) {
    this.upstreams = options.upstreams.map((u) => {
      const a = parseRecursorAddress(u);
      return { ...a, canonical: formatIp(parseIp(a.host)!), label: formatAddress(a) };
    });
    this.timeoutMs = options.timeoutMs;
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger ?? noopLogger;
    this.maxInFlight = options.maxInFlight ?? 1024;
  }

  get size(): number {
    return this.upstreams.length;
  }

  /**
   * Forwards `packet` (a query whose first question is `question`). Resolves
   * with the upstream's reply carrying the client's id, or undefined when
   * every upstream failed or timed out. Never rejects. `packet` is not modified.
   */
  async forward(packet: Uint8Array, question: DnsQuestion, tcp: boolean): Promise<Uint8Array | undefined> {
    if (this.closed || this.inFlight >= this.maxInFlight || packet.length < 12) return undefined;
    this.inFlight++;
    try {
      const clientId = (packet[0]! << 8) | packet[1]!;
      for (const up of this.upstreams) {
        if (this.closed) return undefined;
        const id = this.random.int(0x10000);
        const out = new Uint8Array(packet);
        out[0] = id >>> 8;
        out[1] = id & 0xff;
        const reply = await (tcp ? this.exchangeTcp(up, out) : this.exchangeUdp(up, out, id, question));
        if (reply !== undefined && (tcp ? valid(reply, id, question) : true)) {
          reply[0] = clientId >>> 8;
          reply[1] = clientId & 0xff;
          return reply;
        }
        this.logger.debug({ upstream: up.label, name: question.name.text, tcp }, 'dns: recursor gave no answer');
      }
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  /** Aborts every exchange in flight (they resolve undefined) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const abort of [...this.aborts]) abort(undefined);
  }

  private exchangeUdp(up: Upstream, query: Uint8Array, id: number, question: DnsQuestion): Promise<Uint8Array | undefined> {
    return new Promise((resolve) => {
      const family = up.family;
      const sock = createSocket({ type: family === 4 ? 'udp4' : 'udp6', lookup: literalLookup(family) as never });
      const finish = (reply: Uint8Array | undefined) => {
        if (!this.aborts.delete(finish)) return;
        timer.cancel();
        sock.close();
        resolve(reply);
      };
      this.aborts.add(finish);
      sock.on('error', () => finish(undefined));
      sock.on('message', (msg, rinfo) => {
        if (rinfo.port !== up.port || !sameHost(rinfo.address, up)) return;
        if (valid(msg, id, question)) finish(new Uint8Array(msg));
      });
      const timer: Timer = this.clock.setTimer(this.timeoutMs, () => finish(undefined));
      sock.send(query, up.port, up.host, (err) => {
        if (err) finish(undefined);
      });
    });
  }

  private exchangeTcp(up: Upstream, query: Uint8Array): Promise<Uint8Array | undefined> {
    return new Promise((resolve) => {
      const sock = connect({ host: up.host, port: up.port });
      let buffered: Buffer = Buffer.alloc(0);
      const finish = (reply: Uint8Array | undefined) => {
        if (!this.aborts.delete(finish)) return;
        timer.cancel();
        sock.destroy();
        resolve(reply);
      };
      this.aborts.add(finish);
      const timer: Timer = this.clock.setTimer(this.timeoutMs, () => finish(undefined));
      sock.on('error', () => finish(undefined));
      sock.on('close', () => finish(undefined));
      sock.on('data', (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        if (buffered.length < 2) return;
        const len = buffered.readUInt16BE(0);
        if (buffered.length >= len + 2) finish(new Uint8Array(buffered.subarray(2, len + 2)));
      });
      const frame = Buffer.allocUnsafe(query.length + 2);
      frame.writeUInt16BE(query.length, 0);
      frame.set(query, 2);
      sock.write(frame);
    });
  }
}

/** A reply to our query: QR set, our id, the same first question. */
function valid(msg: Uint8Array, id: number, question: DnsQuestion): boolean {
  if (msg.length < 12 || ((msg[0]! << 8) | msg[1]!) !== id || (msg[2]! & 0x80) === 0) return false;
  const q = firstQuestion(msg);
  return q !== undefined && q.type === question.type && q.class === question.class && q.name.text === question.name.text;
}

function sameHost(address: string, up: Upstream): boolean {
  if (address === up.host) return true;
  const ip = parseIp(address);
  return ip !== undefined && formatIp(ip) === up.canonical;
}

/**
 * A dgram `lookup` for IP literals: answers at once with the address itself,
 * instead of `dns.lookup`'s `isIP` check plus a `process.nextTick` per send.
 */
export function literalLookup(family: 4 | 6) {
  return (address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void => {
    callback(null, address, family);
  };
}
