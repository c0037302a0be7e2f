/**
 * Streaming decoder of `flynn-attach/0` frames (see ./attach-codec.ts). Feed
 * it bytes as they arrive with `push()`; it returns the frames they complete.
 * An invalid byte stream sets a sticky `err` (check it after every push), and
 * later pushes return nothing.
 *
 * `side` says who is reading: the `server` reads what clients send (data,
 * signal, resize), the `client` reads what servers send (success, waiting,
 * error, data, exit). A frame type the side cannot receive is an error.
 */
import { ByteQueue } from './byte-queue.js';
import type { AttachFrame, AttachStream } from './attach-codec.js';
import { AttachByte } from './attach-codec.js';

export interface AttachDecoderOptions {
  side: 'server' | 'client';
  /** Largest accepted data/error payload. Default 16 MiB. */
  maxPayloadBytes?: number;
}

const textDecoder = new TextDecoder();

export class AttachDecoder {
  private readonly queue = new ByteQueue();
  private readonly side: 'server' | 'client';
  private readonly maxPayload: number;
  private error: string | undefined;

  constructor(options: AttachDecoderOptions) {
    this.side = options.side;
    this.maxPayload = options.maxPayloadBytes ?? 16 * 1024 * 1024;
  }

  /** Why decoding stopped, if it did. */
  get err(): string | undefined {
    return this.error;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.queue.length;
  }

  push(bytes: Uint8Array): AttachFrame[] {
    if (this.error !== undefined) return [];
    this.queue.push(bytes);
    const frames: AttachFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (frame === undefined) break;
      frames.push(frame);
    }
    return frames;
  }

  private next(): AttachFrame | undefined {
    const q = this.queue;
    if (this.error !== undefined || q.length === 0) return undefined;
    const type = q.peek(0);
    if (!this.allowed(type)) return this.fail(`unexpected attach frame type ${type} from the ${this.side === 'server' ? 'client' : 'server'}`);
    switch (type) {
      case AttachByte.success:
      case AttachByte.waiting:
        q.skip(1);
        return { type: type === AttachByte.success ? 'success' : 'waiting' };
      case AttachByte.signal:
      case AttachByte.exit: {
        if (q.length < 5) return undefined;
        const value = q.peekUint(1, 4);
        q.skip(5);
        return type === AttachByte.signal ? { type: 'signal', signal: value } : { type: 'exit', code: value };
      }
      case AttachByte.resize: {
        if (q.length < 5) return undefined;
        const height = q.peekUint(1, 2);
        const width = q.peekUint(3, 2);
        q.skip(5);
        return { type: 'resize', height, width };
      }
      case AttachByte.error: {
        if (q.length < 5) return undefined;
        const len = q.peekUint(1, 4);
        if (len > this.maxPayload) return this.fail(`attach error message of ${len} bytes exceeds ${this.maxPayload}`);
        if (q.length < 5 + len) return undefined;
        q.skip(5);
        return { type: 'error', message: textDecoder.decode(q.read(len)) };
      }
      case AttachByte.data: {
        if (q.length < 6) return undefined;
        const stream = q.peek(1);
        if (stream > 3) return this.fail(`attach data frame for unknown stream ${stream}`);
        const len = q.peekUint(2, 4);
        if (len > this.maxPayload) return this.fail(`attach data frame of ${len} bytes exceeds ${this.maxPayload}`);
        if (q.length < 6 + len) return undefined;
        q.skip(6);
        // Copy so the frame does not pin (or alias) the caller's chunk.
        return { type: 'data', stream: stream as AttachStream, data: q.read(len).slice() };
      }
      default:
        return this.fail(`unknown attach frame type ${type}`);
    }
  }

  private allowed(type: number): boolean {
    if (type === AttachByte.data) return true;
    if (this.side === 'server') return type === AttachByte.signal || type === AttachByte.resize;
    return type === AttachByte.success || type === AttachByte.waiting || type === AttachByte.error || type === AttachByte.exit;
  }

  private fail(message: string): undefined {
    this.error = message;
    return undefined;
  }
}
