/**
 * A streaming tar reader: entries one at a time, each with its effective
 * header (PAX and GNU long names applied) and the raw header bytes, so that
 * a rewriter can pass entries it does not change through untouched.
 */
import { BLOCK, isZeroBlock, padded, parsePaxRecords, parseTarHeader, TarFormatError, TarType } from './core/tar.js';
import type { TarHeader } from './core/tar.js';

export interface TarEntry {
  /** Effective header: PAX `path`/`linkpath`/`size`/`uid`/`gid`/`mtime` and GNU long names applied. */
  header: TarHeader;
  /** This entry's own PAX records (global ones excluded). */
  pax: Record<string, string>;
  /** Every header byte of the entry (extension headers and their data, then its own header block). */
  raw: Uint8Array;
}

/** Pulls exact byte counts out of an async stream of chunks. */
class ByteSource {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private readonly it: AsyncIterator<Uint8Array>;
  private ended = false;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.it = input[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  /** Exactly n bytes, or undefined at a clean end of stream; throws on a truncated stream. */
  async read(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(n))) {
      if (this.buffered === 0) return undefined;
      throw new TarFormatError('tar stream ends inside a block');
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - off);
      out.set(c.subarray(0, take), off);
      off += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.buffered -= n;
    return out;
  }

  /** The next n bytes as they arrive (without gathering them). */
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) throw new TarFormatError('tar stream ends inside an entry');
      const c = this.chunks[0]!;
      const take = Math.min(c.length, left);
      yield c.subarray(0, take);
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
      this.buffered -= take;
      left -= take;
    }
  }

  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (!this.ended) if ((await this.it.next()).done) this.ended = true;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export class TarReader {
  private readonly src: ByteSource;
  private unread = 0;
  private global: Record<string, string> = {};

  constructor(input: AsyncIterable<Uint8Array>) {
    this.src = new ByteSource(input);
  }

  /** The next entry (skipping any unread data of the previous one), or undefined at the end of the archive. */
  async next(): Promise<TarEntry | undefined> {
    await this.skipBody();
    const raw: Uint8Array[] = [];
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await this.src.read(BLOCK);
      if (!block || isZeroBlock(block)) return undefined;
      const h = parseTarHeader(block);
      raw.push(block);
      if (h.type === TarType.PAX || h.type === TarType.PAX_GLOBAL || h.type === TarType.GNU_LONGNAME || h.type === TarType.GNU_LONGLINK) {
        const data = await this.src.read(padded(h.size));
        if (h.size > 0 && !data) throw new TarFormatError('tar stream ends inside an extension header');
        const body = (data ?? new Uint8Array()).subarray(0, h.size);
        raw.push(data ?? new Uint8Array());
        if (h.type === TarType.PAX) pax = { ...pax, ...parsePaxRecords(body) };
        else if (h.type === TarType.PAX_GLOBAL) this.global = { ...this.global, ...parsePaxRecords(body) };
        else {
          const s = new TextDecoder().decode(body).replace(/\0+$/, '');
          if (h.type === TarType.GNU_LONGNAME) longName = s;
          else longLink = s;
        }
        continue;
      }
      const all = { ...this.global, ...pax };
      const header: TarHeader = { ...h };
      if (longName !== undefined) header.name = longName;
      if (longLink !== undefined) header.linkname = longLink;
      if (all.path !== undefined) header.name = all.path;
      if (all.linkpath !== undefined) header.linkname = all.linkpath;
      for (const k of ['size', 'uid', 'gid'] as const) if (all[k] !== undefined) header[k] = Number(all[k]);
      if (all.mtime !== undefined) header.mtime = Math.floor(Number(all.mtime));
      this.unread = carriesData(header) ? padded(header.size) : 0;
      return { header, pax, raw: concat(raw) };
    }
  }

  /** The current entry's data, padded to whole blocks. */
  async *body(): AsyncGenerator<Uint8Array> {
    const n = this.unread;
    this.unread = 0;
    yield* this.src.stream(n);
  }

  async skipBody(): Promise<void> {
    for await (const _ of this.body()) {
      // discard
    }
  }

  /** Reads and discards the rest of the input (the padding after the end-of-archive blocks). */
  async drain(): Promise<void> {
    await this.src.drain();
  }

  async close(): Promise<void> {
    await this.src.close();
  }
}

/** Links, directories and devices carry no data even when a header says otherwise (ustar rule for `size`). */
function carriesData(h: TarHeader): boolean {
  return ![TarType.HARDLINK, TarType.SYMLINK, TarType.CHAR, TarType.BLOCK_DEVICE, TarType.DIRECTORY, TarType.FIFO].includes(h.type as never);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
