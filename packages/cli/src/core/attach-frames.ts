/**
 * The client side of `flynn-attach/0` (reference §2.10), which `flynn run`
 * speaks to the controller after `POST /apps/:id/jobs` upgrades:
 *
 *   client → server   data   [3][stream 0][uint32 BE len][bytes]  (len 0 = stdin EOF)
 *                     signal [4][uint32 BE signal]
 *                     resize [6][uint16 BE height][uint16 BE width]
 *   server → client   data   [3][stream 1 stdout | 2 stderr | 3 init][uint32 BE len][bytes]
 *                     exit   [5][uint32 BE code]
 *                     error  [2][uint32 BE len][message]
 *                     state  [0] success | [1] waiting (a host sends it; the controller may pass it on)
 *
 * The same layout as @flynn-ts/host's codec, kept here (client side only) so
 * the CLI does not depend on the host package.
 */

const DATA = 3;
const SIGNAL = 4;
const EXIT = 5;
const ERROR = 2;
const RESIZE = 6;
const SUCCESS = 0;
const WAITING = 1;

export type ServerFrame =
  | { type: 'success' }
  | { type: 'waiting' }
  | { type: 'data'; stream: 1 | 2 | 3; data: Uint8Array }
  | { type: 'exit'; code: number }
  | { type: 'error'; message: string };

export function encodeStdin(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + data.length);
  out[0] = DATA;
  out[1] = 0;
  new DataView(out.buffer).setUint32(2, data.length, false);
  out.set(data, 6);
  return out;
}

/** End of stdin. */
export function encodeStdinEof(): Uint8Array {
  return encodeStdin(new Uint8Array(0));
}

export function encodeSignal(signal: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = SIGNAL;
  new DataView(out.buffer).setUint32(1, signal >>> 0, false);
  return out;
}

export function encodeResize(height: number, width: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = RESIZE;
  const v = new DataView(out.buffer);
  v.setUint16(1, height & 0xffff, false);
  v.setUint16(3, width & 0xffff, false);
  return out;
}

const textDecoder = new TextDecoder();
const MAX_PAYLOAD = 16 * 1024 * 1024;

/** Streaming decoder of server frames; a protocol error sets the sticky `err`. */
export class ServerFrameDecoder {
  private buf = new Uint8Array(0);
  private error: string | undefined;

  get err(): string | undefined {
    return this.error;
  }

  push(chunk: Uint8Array): ServerFrame[] {
    if (this.error !== undefined) return [];
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    const frames: ServerFrame[] = [];
    let pos = 0;
    for (;;) {
      const r = this.next(joined, pos);
      if (!r) break;
      frames.push(r.frame);
      pos = r.end;
    }
    this.buf = joined.slice(pos);
    return frames;
  }

  private next(b: Uint8Array, pos: number): { frame: ServerFrame; end: number } | undefined {
    if (this.error !== undefined || pos >= b.length) return undefined;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const type = b[pos]!;
    const avail = b.length - pos;
    switch (type) {
      case SUCCESS:
        return { frame: { type: 'success' }, end: pos + 1 };
      case WAITING:
        return { frame: { type: 'waiting' }, end: pos + 1 };
      case EXIT:
        if (avail < 5) return undefined;
        return { frame: { type: 'exit', code: view.getUint32(pos + 1, false) }, end: pos + 5 };
      case ERROR: {
        if (avail < 5) return undefined;
        const len = view.getUint32(pos + 1, false);
        if (len > MAX_PAYLOAD) return this.fail(`attach error message of ${len} bytes is too large`);
        if (avail < 5 + len) return undefined;
        return { frame: { type: 'error', message: textDecoder.decode(b.subarray(pos + 5, pos + 5 + len)) }, end: pos + 5 + len };
      }
      case DATA: {
        if (avail < 6) return undefined;
        const stream = b[pos + 1]!;
        if (stream < 1 || stream > 3) return this.fail(`attach data frame for unexpected stream ${stream}`);
        const len = view.getUint32(pos + 2, false);
        if (len > MAX_PAYLOAD) return this.fail(`attach data frame of ${len} bytes is too large`);
        if (avail < 6 + len) return undefined;
        return { frame: { type: 'data', stream: stream as 1 | 2 | 3, data: b.slice(pos + 6, pos + 6 + len) }, end: pos + 6 + len };
      }
      default:
        return this.fail(`unexpected attach frame type ${type}`);
    }
  }

  private fail(message: string): undefined {
    this.error = message;
    return undefined;
  }
}
