/**
 * Follows the chunked transfer coding (RFC 9112 §7.1) byte by byte to find
 * where a chunked message ends, so the proxy can forward chunked bodies as
 * they are and still know when the message is complete. Optionally hands out
 * the payload ranges (`onData`) when the receiver needs the decoded body
 * (HTTP/2 and HTTP/1.0 clients). Chunk extensions and trailers are accepted
 * within limits; a bare LF, a bad hex size or an over-long line is an error.
 */
import { VALUE_CHAR } from './chars.js';

const enum S {
  Size,
  Ext,
  SizeLF,
  Data,
  DataCR,
  DataLF,
  TrailerStart,
  TrailerLine,
  TrailerLF,
  EndLF,
  Done,
}

const HEX = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

const MAX_SIZE_DIGITS = 13; // < 2^52
const MAX_EXT_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

/** Result of {@link ChunkedScanner.scan} when the message did not end in the given bytes. */
export const NEED_MORE = -1;
/** Result of {@link ChunkedScanner.scan} for malformed input (see `error`). */
export const MALFORMED = -2;

export class ChunkedScanner {
  private state = S.Size;
  private remaining = 0;
  private digits = 0;
  private lineBytes = 0;
  /** Decoded payload bytes seen so far. */
  payload = 0;
  error: string | undefined;
  /** Called with each payload range when set (decoding mode). */
  onData: ((buf: Buffer, start: number, end: number) => void) | undefined;

  reset(): void {
    this.state = S.Size;
    this.remaining = 0;
    this.digits = 0;
    this.lineBytes = 0;
    this.payload = 0;
    this.error = undefined;
  }

  get done(): boolean {
    return this.state === S.Done;
  }

  /**
   * Scans `buf[from, to)`. Returns the index just past the end of the message
   * if it ends there, {@link NEED_MORE} if every byte belonged to it, or
   * {@link MALFORMED}.
   */
  scan(buf: Buffer, from: number, to: number): number {
    let i = from;
    while (i < to) {
      switch (this.state) {
        case S.Data: {
          const n = Math.min(this.remaining, to - i);
          if (this.onData !== undefined) this.onData(buf, i, i + n);
          this.payload += n;
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = S.DataCR;
          continue;
        }
        case S.Size: {
          const c = buf[i]!;
          const h = HEX[c]!;
          if (h >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail('chunk size too large');
            this.remaining = this.remaining * 16 + h;
          } else if (this.digits === 0) {
            return this.fail('missing chunk size');
          } else if (c === 0x0d) {
            this.state = S.SizeLF;
          } else if (c === 0x3b || c === 0x20 || c === 0x09) {
            this.state = S.Ext;
            this.lineBytes = 0;
          } else {
            return this.fail('bad chunk size');
          }
          break;
        }
        case S.Ext: {
          const c = buf[i]!;
          if (c === 0x0d) this.state = S.SizeLF;
          else if (VALUE_CHAR[c] !== 1 || ++this.lineBytes > MAX_EXT_BYTES) return this.fail('bad chunk extension');
          break;
        }
        case S.SizeLF:
          if (buf[i] !== 0x0a) return this.fail('expected LF after chunk size');
          this.digits = 0;
          if (this.remaining === 0) {
            this.state = S.TrailerStart;
            this.lineBytes = 0;
          } else {
            this.state = S.Data;
          }
          break;
        case S.DataCR:
          if (buf[i] !== 0x0d) return this.fail('expected CRLF after chunk data');
          this.state = S.DataLF;
          break;
        case S.DataLF:
          if (buf[i] !== 0x0a) return this.fail('expected CRLF after chunk data');
          this.state = S.Size;
          break;
        case S.TrailerStart: {
          const c = buf[i]!;
          if (c === 0x0d) this.state = S.EndLF;
          else if (VALUE_CHAR[c] !== 1 || ++this.lineBytes > MAX_TRAILER_BYTES) return this.fail('bad trailer');
          else this.state = S.TrailerLine;
          break;
        }
        case S.TrailerLine: {
          const c = buf[i]!;
          if (c === 0x0d) this.state = S.TrailerLF;
          else if (VALUE_CHAR[c] !== 1 || ++this.lineBytes > MAX_TRAILER_BYTES) return this.fail('bad trailer');
          break;
        }
        case S.TrailerLF:
          if (buf[i] !== 0x0a) return this.fail('expected LF in trailer');
          this.state = S.TrailerStart;
          break;
        case S.EndLF:
          if (buf[i] !== 0x0a) return this.fail('expected LF at end of chunked body');
          this.state = S.Done;
          return i + 1;
        case S.Done:
          return i;
      }
      i++;
    }
    return NEED_MORE;
  }

  private fail(msg: string): number {
    this.error = msg;
    return MALFORMED;
  }
}
