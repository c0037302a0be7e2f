/**
 * One DNS-over-TCP connection (RFC 1035 §4.2.2, RFC 7766): 2-byte
 * big-endian length before each message, any number of queries, answers
 * written as they are ready (possibly out of order). Reading pauses while
 * the peer does not read its answers.
 */
import type { Socket } from 'node:net';
import type { Clock } from '@flynn-ts/core';

export type FrameHandler = (frame: Buffer, reply: (bytes: Uint8Array) => void) => void;

export class TcpDnsConnection {
  private buffered: Buffer | undefined;
  private lastActive: number;
  private readonly reply: (bytes: Uint8Array) => void;

  constructor(
    private readonly socket: Socket,
    private readonly clock: Clock,
    private readonly onFrame: FrameHandler,
  ) {
    this.lastActive = clock.monotonic();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('drain', () => socket.resume());
    this.reply = (bytes) => this.write(bytes);
  }

  /** Milliseconds since the last byte in or out. */
  idleSince(now: number): number {
    return now - this.lastActive;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastActive = this.clock.monotonic();
    let buf = this.buffered === undefined ? chunk : Buffer.concat([this.buffered, chunk]);
    this.buffered = undefined;
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < len + 2) break;
      const frame = buf.subarray(2, len + 2);
      buf = buf.subarray(len + 2);
      if (this.socket.destroyed) return;
      this.onFrame(frame, this.reply);
    }
    if (buf.length > 0) this.buffered = Buffer.from(buf); // a copy, so the big chunk can be freed
  }

  private write(bytes: Uint8Array): void {
    const s = this.socket;
    if (s.destroyed || !s.writable) return;
    this.lastActive = this.clock.monotonic();
    const frame = Buffer.allocUnsafe(bytes.length + 2);
    frame.writeUInt16BE(bytes.length, 0);
    frame.set(bytes, 2);
    if (!s.write(frame)) s.pause();
  }
}
