/**
 * Splits a container's stdout/stderr byte chunks into lines, per stream.
 * A line ends at `\n` (a trailing `\r` is dropped); a partial line waits for
 * the next chunk of its stream; a line longer than `maxLineBytes` is cut
 * there. Splitting on bytes before decoding keeps multi-byte UTF-8
 * characters that span chunks intact. Pure.
 */
export type SplitStream = 'stdout' | 'stderr';

export interface LineSplitterOptions {
  /** Longest line kept whole, in bytes. Default 64 KiB. */
  maxLineBytes?: number;
}

const NL = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly maxLineBytes: number;
  private readonly partial: Record<SplitStream, Uint8Array[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<SplitStream, number> = { stdout: 0, stderr: 0 };
  private readonly decoder = new TextDecoder('utf-8');

  constructor(options: LineSplitterOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  }

  /** True when no stream holds a partial line: a cursor taken now loses nothing. */
  get atLineBoundary(): boolean {
    return this.partialBytes.stdout === 0 && this.partialBytes.stderr === 0;
  }

  /** The complete lines `data` finishes, in order. */
  push(stream: SplitStream, data: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NL, start);
      if (nl === -1) break;
      this.append(stream, data.subarray(start, nl), lines);
      lines.push(this.take(stream));
      start = nl + 1;
    }
    if (start < data.length) this.append(stream, data.subarray(start), lines);
    return lines;
  }

  /** The partial line of `stream` (at the end of its output), if any. */
  flush(stream: SplitStream): string | undefined {
    return this.partialBytes[stream] === 0 ? undefined : this.take(stream);
  }

  private append(stream: SplitStream, bytes: Uint8Array, lines: string[]): void {
    let rest = bytes;
    while (this.partialBytes[stream] + rest.length > this.maxLineBytes) {
      const room = this.maxLineBytes - this.partialBytes[stream];
      this.partial[stream].push(rest.subarray(0, room));
      this.partialBytes[stream] += room;
      lines.push(this.take(stream));
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      // Copy: the caller may reuse its buffer.
      this.partial[stream].push(rest.slice());
      this.partialBytes[stream] += rest.length;
    }
  }

  private take(stream: SplitStream): string {
    const parts = this.partial[stream];
    let bytes: Uint8Array;
    if (parts.length === 1) {
      bytes = parts[0]!;
    } else {
      bytes = new Uint8Array(this.partialBytes[stream]);
      let off = 0;
      for (const p of parts) {
        bytes.set(p, off);
        off += p.length;
      }
    }
    this.partial[stream] = [];
    this.partialBytes[stream] = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    return this.decoder.decode(bytes.subarray(0, end));
  }
}
