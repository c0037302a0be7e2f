/**
 * RFC 6587 syslog framing over a byte stream. Pure (no I/O).
 *
 * Encoding is octet counting only: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN in decimal
 * without leading zeros. Decoding is incremental ({@link FrameDecoder}) and
 * accepts, frame by frame:
 * - octet counting (the frame starts with a digit 1-9);
 * - non-transparent framing (the frame starts with `<`, the first byte of every
 *   RFC 5424/3164 message, and ends at LF; one CR before the LF is dropped);
 *   disabled with `framing: 'octet-counting'`;
 * - and skips LF/CR between frames, so the `frame LF` records of the host's log
 *   files (the original flynn-host's format) decode with the same decoder.
 *
 * Errors are sticky: the first bad byte (a stray byte, a MSG-LEN with a leading
 * zero or above the limit, an LF frame above the limit) sets `decoder.error`, a
 * {@link SyslogFrameError} with the stream offset; frames before it are still
 * returned, and nothing after it is. The outcome does not depend on how the
 * stream was cut into chunks.
 */
import { SyslogFrameError } from './syslog-errors.js';

/** Default largest frame (octets of SYSLOG-MSG) the decoder accepts. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

export interface FrameDecoderOptions {
  /** Largest SYSLOG-MSG accepted, in octets. Default {@link DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
  /** `auto` (default) also accepts LF-terminated frames; `octet-counting` does not. */
  framing?: 'auto' | 'octet-counting';
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const LT = 0x3c;
const D0 = 0x30;
const D9 = 0x39;

const encoder = new TextEncoder();

/** `LEN SP MSG` for one message. Throws SyslogFrameError for an empty message (MSG-LEN is at least 1). */
export function encodeFrame(message: Uint8Array | string): Uint8Array {
  const body = typeof message === 'string' ? encoder.encode(message) : message;
  if (body.length === 0) throw new SyslogFrameError(0, 'an empty message cannot be framed');
  const head = encoder.encode(`${body.length} `);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/**
 * The SYSLOG-MSG of exactly one octet-counted frame (`LEN SP MSG`, nothing
 * before or after). Throws SyslogFrameError. Returns a view, not a copy.
 */
export function unframe(frame: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  let len = 0;
  let i = 0;
  for (; i < frame.length && frame[i] !== SP; i++) {
    const c = frame[i]!;
    if (c < D0 || c > D9 || (i === 0 && c === D0)) throw new SyslogFrameError(i, 'expected MSG-LEN');
    len = len * 10 + (c - D0);
    if (len > maxFrameBytes) throw new SyslogFrameError(i, `MSG-LEN above ${maxFrameBytes}`);
  }
  if (i === 0 || i === frame.length) throw new SyslogFrameError(i, 'expected MSG-LEN SP');
  if (frame.length - i - 1 !== len) throw new SyslogFrameError(i, `MSG-LEN ${len} but ${frame.length - i - 1} octets follow`);
  return frame.subarray(i + 1);
}

/** Decodes a whole stream; throws the SyslogFrameError of the first bad byte. */
export function decodeFrames(stream: Uint8Array, options?: FrameDecoderOptions): Uint8Array[] {
  const d = new FrameDecoder(options);
  const frames = d.push(stream);
  frames.push(...d.end());
  if (d.error) throw d.error;
  return frames;
}

type DecodeState =
  | { kind: 'between' }
  | { kind: 'length'; len: number }
  | { kind: 'payload'; buf: Uint8Array; filled: number }
  | { kind: 'line'; parts: Uint8Array[]; size: number }
  | { kind: 'failed' };

/** An incremental RFC 6587 decoder: `push(chunk)` returns the frames completed by it (copies). */
export class FrameDecoder {
  /** Set (once) when the stream turned out not to be well framed. */
  error: SyslogFrameError | undefined;
  private readonly max: number;
  private readonly allowLines: boolean;
  private state: DecodeState = { kind: 'between' };
  /** Stream offset of the first byte of the current chunk. */
  private offset = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.allowLines = (options.framing ?? 'auto') === 'auto';
  }

  /** Octets held for an incomplete frame. */
  get buffered(): number {
    const s = this.state;
    if (s.kind === 'payload') return s.filled;
    if (s.kind === 'line') return s.size;
    return 0;
  }

  /** Feeds the next chunk; never throws (check `error`). */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length && this.state.kind !== 'failed') {
      i = this.step(chunk, i, frames);
    }
    this.offset += chunk.length;
    return frames;
  }

  /** The stream ended: returns an unterminated LF frame, or sets `error` for a torn octet-counted one. */
  end(): Uint8Array[] {
    const s = this.state;
    if (s.kind === 'line') {
      this.state = { kind: 'between' };
      return [finishLine(s.parts, s.size)];
    }
    if (s.kind === 'length' || s.kind === 'payload') this.fail(0, 'stream ended inside a frame');
    return [];
  }

  /** Consumes bytes from `chunk` at `i` for the current state; returns the new index. */
  private step(chunk: Uint8Array, i: number, frames: Uint8Array[]): number {
    const s = this.state;
    switch (s.kind) {
      case 'between':
        return this.stepBetween(chunk, i);
      case 'length': {
        const c = chunk[i]!;
        if (c === SP) {
          this.state = { kind: 'payload', buf: new Uint8Array(s.len), filled: 0 };
        } else if (c >= D0 && c <= D9) {
          s.len = s.len * 10 + (c - D0);
          if (s.len > this.max) this.fail(i, `MSG-LEN above the limit of ${this.max} octets`);
        } else {
          this.fail(i, 'expected a digit or SP in MSG-LEN');
        }
        return i + 1;
      }
      case 'payload': {
        const n = Math.min(s.buf.length - s.filled, chunk.length - i);
        s.buf.set(chunk.subarray(i, i + n), s.filled);
        s.filled += n;
        if (s.filled === s.buf.length) {
          frames.push(s.buf);
          this.state = { kind: 'between' };
        }
        return i + n;
      }
      case 'line': {
        const lf = chunk.indexOf(LF, i);
        const end = lf < 0 ? chunk.length : lf;
        if (s.size + (end - i) > this.max) {
          this.fail(i + (this.max - s.size), `LF-framed message above the limit of ${this.max} octets`);
          return chunk.length;
        }
        if (end > i) s.parts.push(chunk.slice(i, end));
        s.size += end - i;
        if (lf < 0) return chunk.length;
        frames.push(finishLine(s.parts, s.size));
        this.state = { kind: 'between' };
        return lf + 1;
      }
      case 'failed':
        return chunk.length;
    }
  }

  private stepBetween(chunk: Uint8Array, i: number): number {
    const c = chunk[i]!;
    if (c === LF || c === CR) return i + 1;
    if (c > D0 && c <= D9) {
      this.state = { kind: 'length', len: c - D0 };
      if (c - D0 > this.max) this.fail(i, `MSG-LEN above the limit of ${this.max} octets`);
      return i + 1;
    }
    if (c === LT && this.allowLines) {
      this.state = { kind: 'line', parts: [], size: 0 };
      return i; // the '<' belongs to the message
    }
    this.fail(i, c === D0 ? 'MSG-LEN with a leading zero' : `unexpected byte 0x${c.toString(16).padStart(2, '0')} between frames`);
    return i + 1;
  }

  private fail(index: number, message: string): void {
    this.error = new SyslogFrameError(this.offset + index, message);
    this.state = { kind: 'failed' };
  }
}

function finishLine(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return size > 0 && out[size - 1] === CR ? out.subarray(0, size - 1) : out;
}
