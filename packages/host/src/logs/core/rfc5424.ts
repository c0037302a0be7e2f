/**
 * RFC 5424 syslog messages: a formatter and a strict parser. Pure (no I/O).
 *
 *   SYSLOG-MSG = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *                SP STRUCTURED-DATA [SP MSG]
 *
 * What "strict" means here (everything else is a SyslogParseError naming the field):
 * - PRI is `<0>`..`<191>` without leading zeros; VERSION must be `1`.
 * - TIMESTAMP is `-` or an RFC 3339 date-time as RFC 5424 §6.2.3 restricts it
 *   (1–6 fraction digits, `Z` or `±HH:MM`, no leap second); kept as written.
 * - HOSTNAME ≤ 255, APP-NAME ≤ 48, PROCID ≤ 128, MSGID ≤ 32 printable US-ASCII
 *   characters (33–126), or `-` (NILVALUE, represented as `null`).
 * - STRUCTURED-DATA is `-` or adjacent `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`
 *   elements; SD-NAMEs are 1–32 printable ASCII without `= ] "` or space; an SD-ID
 *   may not repeat; inside values `"`, `\` and `]` must be escaped with `\` (a `\`
 *   before any other character is kept literally, as §6.3.3 says); values must
 *   be valid UTF-8.
 * - MSG is everything after the SP that follows STRUCTURED-DATA, decoded as
 *   UTF-8 (invalid sequences become U+FFFD, a leading BOM is kept as U+FEFF).
 *   A message without that SP has no MSG (`msg` absent); `msg: ''` is formatted
 *   with the trailing SP, so the two round-trip distinctly.
 *
 * `parseRfc5424(formatRfc5424(m))` deep-equals `m` for every message the
 * formatter accepts whose strings are well-formed UTF-16.
 */
import { SyslogFormatError, SyslogParseError } from './syslog-errors.js';
import type { SyslogField } from './syslog-errors.js';
import { isValidTimestamp } from './syslog-timestamp.js';

export interface SdParam {
  name: string;
  value: string;
}

export interface SdElement {
  /** SD-ID, e.g. `flynn` or `origin`. */
  id: string;
  params: SdParam[];
}

export interface SyslogMessage {
  /** 0–23. */
  facility: number;
  /** 0–7. */
  severity: number;
  /** RFC 3339 text as sent, or null for `-`. Convert with `timestampToMillis`. */
  timestamp: string | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  /** Empty for `-`. */
  structuredData: SdElement[];
  /** Absent when the message has no MSG part. */
  msg?: string;
}

/** Maximum lengths (octets) of the header fields, from RFC 5424 §6. */
export const RFC5424_LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32, sdName: 32 } as const;

type HeaderField = 'hostname' | 'appName' | 'procId' | 'msgId';

const SP = 0x20;
const LT = 0x3c;
const GT = 0x3e;
const DASH = 0x2d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const EQ = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const encoder = new TextEncoder();
const msgDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ------------------------------------------------------------------ format

/** The message as text (one line unless MSG has line breaks). Throws SyslogFormatError. */
export function formatRfc5424(m: SyslogMessage): string {
  if (!Number.isInteger(m.facility) || m.facility < 0 || m.facility > 23) {
    throw new SyslogFormatError('pri', `facility must be an integer 0-23, got ${m.facility}`);
  }
  if (!Number.isInteger(m.severity) || m.severity < 0 || m.severity > 7) {
    throw new SyslogFormatError('pri', `severity must be an integer 0-7, got ${m.severity}`);
  }
  if (m.timestamp !== null && !isValidTimestamp(m.timestamp)) {
    throw new SyslogFormatError('timestamp', `not an RFC 5424 timestamp: ${JSON.stringify(m.timestamp)}`);
  }
  const head = [
    `<${m.facility * 8 + m.severity}>1`,
    m.timestamp ?? '-',
    headerValue('hostname', m.hostname),
    headerValue('appName', m.appName),
    headerValue('procId', m.procId),
    headerValue('msgId', m.msgId),
    formatStructuredData(m.structuredData),
  ].join(' ');
  return m.msg === undefined ? head : `${head} ${m.msg}`;
}

/** The message as UTF-8 bytes. */
export function encodeRfc5424(m: SyslogMessage): Uint8Array {
  return encoder.encode(formatRfc5424(m));
}

function headerValue(field: HeaderField, v: string | null): string {
  if (v === null) return '-';
  if (v === '-') throw new SyslogFormatError(field, "'-' is the NILVALUE: use null");
  checkPrintable(field, v, RFC5424_LIMITS[field]);
  return v;
}

function checkPrintable(field: SyslogField, v: string, max: number, extraForbidden = ''): void {
  if (v.length === 0) throw new SyslogFormatError(field, 'must not be empty');
  if (v.length > max) throw new SyslogFormatError(field, `longer than ${max} characters`);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 33 || c > 126 || extraForbidden.includes(v[i]!)) {
      throw new SyslogFormatError(field, `character ${JSON.stringify(v[i])} at ${i} is not allowed`);
    }
  }
}

function formatStructuredData(sd: readonly SdElement[]): string {
  if (sd.length === 0) return '-';
  const seen = new Set<string>();
  let out = '';
  for (const el of sd) {
    checkPrintable('structuredData', el.id, RFC5424_LIMITS.sdName, '=]"');
    if (seen.has(el.id)) throw new SyslogFormatError('structuredData', `SD-ID ${el.id} appears twice`);
    seen.add(el.id);
    out += '[' + el.id;
    for (const p of el.params) {
      checkPrintable('structuredData', p.name, RFC5424_LIMITS.sdName, '=]"');
      out += ` ${p.name}="${p.value.replace(/["\\\]]/g, '\\$&')}"`;
    }
    out += ']';
  }
  return out;
}

// ------------------------------------------------------------------- parse

/** Parses one message (without framing). Throws SyslogParseError. */
export function parseRfc5424(input: Uint8Array | string): SyslogMessage {
  const r = new ByteReader(typeof input === 'string' ? encoder.encode(input) : input);
  const prival = parsePri(r);
  parseVersion(r);
  const timestamp = r.token('timestamp', 32);
  if (timestamp !== null && !isValidTimestamp(timestamp)) r.fail('timestamp', `not an RFC 5424 timestamp: ${JSON.stringify(timestamp)}`);
  const hostname = r.token('hostname', RFC5424_LIMITS.hostname);
  const appName = r.token('appName', RFC5424_LIMITS.appName);
  const procId = r.token('procId', RFC5424_LIMITS.procId);
  const msgId = r.token('msgId', RFC5424_LIMITS.msgId);
  const structuredData = parseStructuredData(r);
  const m: SyslogMessage = {
    facility: prival >> 3,
    severity: prival & 7,
    timestamp,
    hostname,
    appName,
    procId,
    msgId,
    structuredData,
  };
  if (!r.done()) {
    if (r.peek() !== SP) r.fail('structuredData', 'expected SP before MSG');
    m.msg = msgDecoder.decode(r.rest(1));
  }
  return m;
}

class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }
  peek(): number | undefined {
    return this.buf[this.pos];
  }
  rest(skip: number): Uint8Array {
    return this.buf.subarray(this.pos + skip);
  }
  fail(field: SyslogField, message: string, at = this.pos): never {
    throw new SyslogParseError(field, at, message);
  }
  expect(byte: number, field: SyslogField, what: string): void {
    if (this.buf[this.pos] !== byte) this.fail(field, this.done() ? `unexpected end, expected ${what}` : `expected ${what}`);
    this.pos++;
  }

  /** A header field of printable ASCII ending in SP; `-` reads as null. */
  token(field: SyslogField, max: number): string | null {
    const start = this.pos;
    for (;;) {
      const c = this.buf[this.pos];
      if (c === undefined) this.fail(field, 'unexpected end, expected SP');
      if (c === SP) break;
      if (c < 33 || c > 126) this.fail(field, 'not printable US-ASCII');
      if (this.pos - start >= max) this.fail(field, `longer than ${max} octets`);
      this.pos++;
    }
    if (this.pos === start) this.fail(field, 'empty field');
    const v = ascii(this.buf, start, this.pos);
    this.pos++; // the SP
    return v === '-' ? null : v;
  }

  /** An SD-NAME (SD-ID or PARAM-NAME). */
  sdName(what: string): string {
    const start = this.pos;
    for (;;) {
      const c = this.buf[this.pos];
      if (c === undefined || c === SP || c === EQ || c === RBRACKET || c === QUOTE) break;
      if (c < 33 || c > 126) this.fail('structuredData', `${what}: not printable US-ASCII`);
      if (this.pos - start >= RFC5424_LIMITS.sdName) this.fail('structuredData', `${what} longer than 32 octets`);
      this.pos++;
    }
    if (this.pos === start) this.fail('structuredData', `empty ${what}`);
    return ascii(this.buf, start, this.pos);
  }
}

function ascii(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

function parsePri(r: ByteReader): number {
  r.expect(LT, 'pri', "'<'");
  const start = r.pos;
  while (r.pos < r.buf.length && r.buf[r.pos]! >= 0x30 && r.buf[r.pos]! <= 0x39) {
    if (r.pos - start >= 3) r.fail('pri', 'PRIVAL longer than 3 digits');
    r.pos++;
  }
  if (r.pos === start) r.fail('pri', 'missing PRIVAL');
  if (r.pos - start > 1 && r.buf[start] === 0x30) r.fail('pri', 'PRIVAL with a leading zero', start);
  const prival = Number(ascii(r.buf, start, r.pos));
  if (prival > 191) r.fail('pri', `PRIVAL ${prival} is above 191`, start);
  r.expect(GT, 'pri', "'>'");
  return prival;
}

function parseVersion(r: ByteReader): void {
  if (r.peek() !== 0x31) r.fail('version', r.done() ? 'unexpected end, expected VERSION' : 'unsupported VERSION (only 1)');
  r.pos++;
  if (r.peek() !== SP) r.fail('version', r.done() ? 'unexpected end, expected SP' : 'unsupported VERSION (only 1)');
  r.pos++;
}

function parseStructuredData(r: ByteReader): SdElement[] {
  const c = r.peek();
  if (c === DASH) {
    r.pos++;
    return [];
  }
  if (c !== LBRACKET) r.fail('structuredData', r.done() ? 'unexpected end, expected STRUCTURED-DATA' : "expected '-' or '['");
  const elements: SdElement[] = [];
  const seen = new Set<string>();
  while (r.peek() === LBRACKET) {
    const at = r.pos;
    r.pos++;
    const id = r.sdName('SD-ID');
    if (seen.has(id)) r.fail('structuredData', `SD-ID ${id} appears twice`, at);
    seen.add(id);
    const params: SdParam[] = [];
    while (r.peek() === SP) {
      r.pos++;
      const name = r.sdName('PARAM-NAME');
      r.expect(EQ, 'structuredData', "'='");
      r.expect(QUOTE, 'structuredData', "'\"'");
      params.push({ name, value: paramValue(r) });
    }
    r.expect(RBRACKET, 'structuredData', "']' or SP");
    elements.push({ id, params });
  }
  return elements;
}

/** A PARAM-VALUE after its opening quote, through the closing quote. */
function paramValue(r: ByteReader): string {
  const start = r.pos;
  const bytes: number[] = [];
  for (;;) {
    const c = r.buf[r.pos];
    if (c === undefined) r.fail('structuredData', 'unterminated PARAM-VALUE', start);
    if (c === QUOTE) break;
    if (c === RBRACKET) r.fail('structuredData', "unescaped ']' in PARAM-VALUE");
    if (c === BACKSLASH) {
      const next = r.buf[r.pos + 1];
      if (next === QUOTE || next === BACKSLASH || next === RBRACKET) {
        bytes.push(next);
        r.pos += 2;
        continue;
      }
    }
    bytes.push(c);
    r.pos++;
  }
  r.pos++; // closing quote
  try {
    return strictDecoder.decode(new Uint8Array(bytes));
  } catch {
    return r.fail('structuredData', 'PARAM-VALUE is not valid UTF-8', start);
  }
}
