/**
 * Domain names in both forms a DNS server needs: the wire form (length-prefixed
 * labels ending in a zero byte, case as received) and a canonical text form
 * (lowercase presentation format with the trailing dot) to look names up by.
 */
import { MAX_LABEL, MAX_NAME_WIRE } from './constants.js';
import { DnsFormatError } from './dns-errors.js';

/** Text of each byte inside a label: lowercase ASCII, `\.`/`\\` and `\DDD` escapes for the rest. */
export const LABEL_CHAR: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  if (b >= 0x41 && b <= 0x5a) return String.fromCharCode(b + 0x20);
  if (b === 0x2e || b === 0x5c) return '\\' + String.fromCharCode(b);
  if (b < 0x21 || b > 0x7e) return '\\' + String(b).padStart(3, '0');
  return String.fromCharCode(b);
});

export class DnsName {
  /** Canonical text: lowercase, escaped, with the trailing dot (`.` for the root). */
  readonly text: string;
  /** Wire form. May be a view of a received packet: do not modify it. */
  readonly wire: Uint8Array;

  /** Use {@link DnsName.parse} or {@link DnsName.fromWire}; this trusts its arguments. */
  constructor(text: string, wire: Uint8Array) {
    this.text = text;
    this.wire = wire;
  }

  /** The root name `.`. */
  static readonly ROOT = new DnsName('.', new Uint8Array([0]));

  /**
   * Parses presentation text (`foo.discoverd`, trailing dot optional; `\.`,
   * `\\` and `\DDD` escapes). Throws {@link DnsFormatError} for an empty label,
   * a label over 63 bytes or a name over 255.
   */
  static parse(text: string): DnsName {
    if (text === '.' || text === '') return DnsName.ROOT;
    const bytes: number[] = [];
    let labelStart = 0;
    bytes.push(0);
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c === 0x2e) {
        closeLabel(bytes, labelStart, text);
        labelStart = bytes.length;
        bytes.push(0);
        continue;
      }
      if (c === 0x5c) {
        const d = text.slice(i + 1, i + 4);
        if (/^[0-9]{3}$/.test(d)) {
          c = Number(d);
          i += 3;
        } else if (i + 1 < text.length) {
          c = text.charCodeAt(++i);
        }
      }
      if (c > 0xff) throw new DnsFormatError(`name ${JSON.stringify(text)}: only ASCII names are supported`);
      bytes.push(c);
    }
    if (bytes.length - 1 > labelStart) {
      closeLabel(bytes, labelStart, text);
      bytes.push(0);
    } // else the text ended with '.', and the open label's zero length byte is the terminator
    if (bytes.length > MAX_NAME_WIRE) throw new DnsFormatError(`name ${JSON.stringify(text)}: longer than 255 bytes`);
    return DnsName.fromWire(Uint8Array.from(bytes));
  }

  /** Builds the text form of uncompressed, valid wire bytes (the caller checked them). */
  static fromWire(wire: Uint8Array): DnsName {
    let text = '';
    let p = 0;
    for (let len = wire[0]!; len !== 0; len = wire[p]!) {
      const end = p + 1 + len;
      for (let i = p + 1; i < end; i++) text += LABEL_CHAR[wire[i]!]!;
      text += '.';
      p = end;
    }
    return new DnsName(text === '' ? '.' : text, wire);
  }

  /** Case-insensitive equality. */
  equals(other: DnsName): boolean {
    return this.text === other.text;
  }

  toString(): string {
    return this.text;
  }
}

function closeLabel(bytes: number[], labelStart: number, text: string): void {
  const len = bytes.length - labelStart - 1;
  if (len === 0) throw new DnsFormatError(`name ${JSON.stringify(text)}: empty label`);
  if (len > MAX_LABEL) throw new DnsFormatError(`name ${JSON.stringify(text)}: label longer than 63 bytes`);
  bytes[labelStart] = len;
}
