/**
 * Tar headers (POSIX ustar, PAX extended records, GNU long names) as pure
 * codecs over 512-byte blocks: enough to read an OCI layer and rewrite some
 * of its entries (see ../oci-whiteouts.ts), passing the rest through as bytes.
 */

export const BLOCK = 512;

export const TarType = {
  FILE: '0',
  HARDLINK: '1',
  SYMLINK: '2',
  CHAR: '3',
  BLOCK_DEVICE: '4',
  DIRECTORY: '5',
  FIFO: '6',
  PAX: 'x',
  PAX_GLOBAL: 'g',
  GNU_LONGNAME: 'L',
  GNU_LONGLINK: 'K',
} as const;

export interface TarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** One character; `'\0'` (old-style regular file) is reported as `'0'`. */
  type: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function text(b: Uint8Array, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul < 0 ? field : field.subarray(0, nul));
}

/** Octal ASCII, or GNU base-256 when the first byte has its high bit set. */
function num(b: Uint8Array, start: number, len: number): number {
  const first = b[start]!;
  if (first & 0x80) {
    let n = first & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[start + i]!;
    return n;
  }
  const s = text(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad octal number ${JSON.stringify(s)} in tar header`);
  return parseInt(s, 8);
}

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  return sum;
}

/** Decodes one header block (not a zero block); throws TarFormatError on a bad checksum. */
export function parseTarHeader(b: Uint8Array): TarHeader {
  if (b.length < BLOCK) throw new TarFormatError('short tar header');
  const stored = num(b, 148, 8);
  if (stored !== checksum(b)) throw new TarFormatError('tar header checksum mismatch');
  const magic = text(b, 257, 6);
  const prefix = magic === 'ustar' ? text(b, 345, 155) : ''; // GNU ("ustar  ") keeps other data there
  const name = text(b, 0, 100);
  const type = b[156] === 0 ? '0' : String.fromCharCode(b[156]!);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: num(b, 100, 8),
    uid: num(b, 108, 8),
    gid: num(b, 116, 8),
    size: num(b, 124, 12),
    mtime: num(b, 136, 12),
    type,
    linkname: text(b, 157, 100),
    uname: text(b, 265, 32),
    gname: text(b, 297, 32),
    devmajor: num(b, 329, 8),
    devminor: num(b, 337, 8),
  };
}

function putText(b: Uint8Array, start: number, len: number, s: string): void {
  const bytes = encoder.encode(s);
  b.set(bytes.subarray(0, len), start);
}

function putOctal(b: Uint8Array, start: number, len: number, n: number): void {
  const digits = Math.max(0, Math.floor(n)).toString(8);
  if (digits.length > len - 1) throw new TarFormatError(`number ${n} does not fit a ${len}-byte tar field`);
  putText(b, start, len, digits.padStart(len - 1, '0'));
}

/**
 * Encodes a POSIX ustar header. Names longer than 100 bytes are cut: put the
 * full name in a PAX `path` record before it (see {@link encodePaxHeader}).
 */
export function encodeTarHeader(h: TarHeader): Uint8Array {
  const b = new Uint8Array(BLOCK);
  putText(b, 0, 100, truncateUtf8(h.name, 100));
  putOctal(b, 100, 8, h.mode & 0o7777);
  putOctal(b, 108, 8, h.uid);
  putOctal(b, 116, 8, h.gid);
  putOctal(b, 124, 12, h.size);
  putOctal(b, 136, 12, h.mtime);
  b[156] = h.type.charCodeAt(0);
  putText(b, 157, 100, truncateUtf8(h.linkname, 100));
  putText(b, 257, 6, 'ustar');
  putText(b, 263, 2, '00');
  putText(b, 265, 32, truncateUtf8(h.uname, 32));
  putText(b, 297, 32, truncateUtf8(h.gname, 32));
  putOctal(b, 329, 8, h.devmajor);
  putOctal(b, 337, 8, h.devminor);
  const sum = checksum(b).toString(8).padStart(6, '0');
  putText(b, 148, 8, `${sum}\0 `);
  return b;
}

function truncateUtf8(s: string, max: number): string {
  let out = s;
  while (encoder.encode(out).length > max) out = out.slice(1); // keep the end: the base name matters most
  return out;
}

/** PAX records (`<len> <key>=<value>\n`), later keys winning. */
export function parsePaxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space < 0) throw new TarFormatError('bad PAX record');
    const len = Number(decoder.decode(data.subarray(pos, space)));
    if (!Number.isInteger(len) || len <= space - pos || pos + len > data.length) throw new TarFormatError('bad PAX record length');
    const record = decoder.decode(data.subarray(space + 1, pos + len - 1)); // without the trailing \n
    const eq = record.indexOf('=');
    if (eq < 0) throw new TarFormatError('PAX record without =');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

export function encodePaxRecords(records: Record<string, string>): Uint8Array {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    const bodyLen = encoder.encode(body).length;
    let len = bodyLen + String(bodyLen).length;
    if (String(len).length !== String(bodyLen).length) len = bodyLen + String(len).length;
    parts.push(`${len}${body}`);
  }
  return encoder.encode(parts.join(''));
}

/** Rounds a data size up to whole blocks. */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** A PAX extended header (header block + records, padded) for the entry that follows it. */
export function encodePaxHeader(records: Record<string, string>, forName: string): Uint8Array {
  const data = encodePaxRecords(records);
  const header = encodeTarHeader({
    name: `PaxHeaders/${forName.split('/').pop() ?? 'entry'}`,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: 0,
    type: TarType.PAX,
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  });
  const out = new Uint8Array(BLOCK + padded(data.length));
  out.set(header, 0);
  out.set(data, BLOCK);
  return out;
}

/** `./a/b/` → `a/b`; `/` and `./` → `` (the root). */
export function normalizeTarPath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}
