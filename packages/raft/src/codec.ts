/**
 * Binary encoding of raft messages, entries and snapshots. Pure: no I/O.
 *
 * Every top-level value starts with a two-byte header, `version` (1) then
 * `kind`, so a decoder rejects bytes meant for another decoder:
 *
 * ```
 * header   = u8 version=1, u8 kind (1 message, 2 batch, 3 entry, 4 snapshot)
 * message  = header(1), body
 *   body   = u8 type, string from, string to,
 *            varint term, logTerm, index, commit, rejectHint,
 *            u8 flags (bit0 reject, bit1 snapshot, bit2 context; others must be 0),
 *            varint entryCount, entry*,
 *            [snapshot] [bytes context]
 * batch    = header(2), varint count, (varint length, message)*   -- each item a full `message`
 * entry    = header(3), entry;      entry    = varint term, varint index, u8 type, bytes data
 * snapshot = header(4), snapshot;   snapshot = varint index, varint term,
 *            varint voterCount, string*, varint learnerCount, string*, bytes data
 * varint   = unsigned LEB128, canonical, < 2^53;  string = varint length + UTF-8;  bytes = varint length + raw
 * ```
 *
 * Decoders throw only {@link CodecError} (`FLYNN_RAFT_CODEC`), for truncated,
 * trailing or malformed input; decoded buffers are copies and never alias the
 * input. Encoders throw {@link CodecError} for values outside the format (a
 * negative or fractional index, an unknown type): that is a caller bug.
 */
import type { Entry, EntryType, Message, MessageType, Snapshot } from './core/types.js';
import { CodecError, Decoder, Encoder } from './codec-wire.js';

export { CodecError } from './codec-wire.js';

/** The format version written by this codec and the only one it reads. */
export const CODEC_VERSION = 1;

const KIND = { message: 1, batch: 2, entry: 3, snapshot: 4 } as const;
type Kind = (typeof KIND)[keyof typeof KIND];

// Wire codes are part of the format: append only, never renumber.
const MESSAGE_TYPES: readonly MessageType[] = [
  'app',
  'app-resp',
  'vote',
  'vote-resp',
  'pre-vote',
  'pre-vote-resp',
  'heartbeat',
  'heartbeat-resp',
  'snap',
  'prop',
  'read-index',
  'read-index-resp',
  'timeout-now',
];
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf-change'];
const MESSAGE_CODE = new Map(MESSAGE_TYPES.map((t, i) => [t, i + 1]));
const ENTRY_CODE = new Map(ENTRY_TYPES.map((t, i) => [t, i]));

const FLAG_REJECT = 1;
const FLAG_SNAPSHOT = 2;
const FLAG_CONTEXT = 4;
const MIN_ENTRY_SIZE = 4; // term, index, type, data length: one byte each at least

// ---- encoding ----

export function encodeMessage(msg: Message): Uint8Array {
  const e = new Encoder(64 + sizeHint(msg));
  header(e, KIND.message);
  writeMessage(e, msg);
  return e.finish();
}

/** Encodes a batch of messages (e.g. everything queued for one peer). */
export function encodeMessages(msgs: readonly Message[]): Uint8Array {
  return encodeBatch(msgs.map(encodeMessage));
}

/** Frames already-encoded messages (outputs of {@link encodeMessage}) as a batch. */
export function encodeBatch(encoded: readonly Uint8Array[]): Uint8Array {
  const e = new Encoder(16 + encoded.reduce((n, b) => n + b.byteLength + 4, 0));
  header(e, KIND.batch);
  e.varint(encoded.length);
  for (const b of encoded) e.bytes(b);
  return e.finish();
}

export function encodeEntry(entry: Entry): Uint8Array {
  const e = new Encoder(32 + entry.data.byteLength);
  header(e, KIND.entry);
  writeEntry(e, entry);
  return e.finish();
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const e = new Encoder(64 + snapshot.data.byteLength);
  header(e, KIND.snapshot);
  writeSnapshot(e, snapshot);
  return e.finish();
}

function header(e: Encoder, kind: Kind): void {
  e.u8(CODEC_VERSION);
  e.u8(kind);
}

function writeMessage(e: Encoder, m: Message): void {
  const code = MESSAGE_CODE.get(m.type);
  if (code === undefined) throw new CodecError(`unknown message type ${String(m.type)}`);
  e.u8(code);
  e.string(m.from);
  e.string(m.to);
  e.varint(m.term);
  e.varint(m.logTerm);
  e.varint(m.index);
  e.varint(m.commit);
  e.varint(m.rejectHint);
  let flags = 0;
  if (m.reject) flags |= FLAG_REJECT;
  if (m.snapshot !== undefined) flags |= FLAG_SNAPSHOT;
  if (m.context !== undefined) flags |= FLAG_CONTEXT;
  e.u8(flags);
  e.varint(m.entries.length);
  for (const entry of m.entries) writeEntry(e, entry);
  if (m.snapshot !== undefined) writeSnapshot(e, m.snapshot);
  if (m.context !== undefined) e.bytes(m.context);
}

function writeEntry(e: Encoder, entry: Entry): void {
  const code = ENTRY_CODE.get(entry.type);
  if (code === undefined) throw new CodecError(`unknown entry type ${String(entry.type)}`);
  e.varint(entry.term);
  e.varint(entry.index);
  e.u8(code);
  e.bytes(entry.data);
}

function writeSnapshot(e: Encoder, s: Snapshot): void {
  e.varint(s.meta.index);
  e.varint(s.meta.term);
  e.varint(s.meta.conf.voters.length);
  for (const v of s.meta.conf.voters) e.string(v);
  e.varint(s.meta.conf.learners.length);
  for (const l of s.meta.conf.learners) e.string(l);
  e.bytes(s.data);
}

function sizeHint(m: Message): number {
  let n = m.entries.reduce((acc, x) => acc + x.data.byteLength + 24, 0);
  if (m.snapshot) n += m.snapshot.data.byteLength + 64;
  if (m.context) n += m.context.byteLength;
  return n;
}

// ---- decoding ----

/** Decodes one message; throws {@link CodecError} on bad input. */
export function decodeMessage(bytes: Uint8Array): Message {
  return decodeWith(bytes, KIND.message, readMessage);
}

/** Decodes a batch; throws {@link CodecError} on bad input. */
export function decodeMessages(bytes: Uint8Array): Message[] {
  return decodeWith(bytes, KIND.batch, (d) => {
    const n = d.count(1);
    const out: Message[] = [];
    for (let i = 0; i < n && !d.err; i++) {
      const len = d.count();
      const inner = new Decoder(d.take(len));
      if (d.err) break;
      const msg = readTop(inner, KIND.message, readMessage);
      if (inner.finish()) {
        d.fail(`batch item ${i}: ${inner.err!.message}`);
        break;
      }
      out.push(msg);
    }
    return out;
  });
}

export function decodeEntry(bytes: Uint8Array): Entry {
  return decodeWith(bytes, KIND.entry, readEntry);
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  return decodeWith(bytes, KIND.snapshot, readSnapshot);
}

function decodeWith<T>(bytes: Uint8Array, kind: Kind, read: (d: Decoder) => T): T {
  const d = new Decoder(bytes);
  const value = readTop(d, kind, read);
  const err = d.finish();
  if (err) throw err;
  return value;
}

function readTop<T>(d: Decoder, kind: Kind, read: (d: Decoder) => T): T {
  const version = d.u8();
  if (!d.err && version !== CODEC_VERSION) d.fail(`unsupported codec version ${version}`);
  const k = d.u8();
  if (!d.err && k !== kind) d.fail(`expected kind ${kind}, got ${k}`);
  return read(d);
}

function readMessage(d: Decoder): Message {
  const code = d.u8();
  const type = MESSAGE_TYPES[code - 1];
  if (type === undefined) d.fail(`unknown message type code ${code}`);
  const from = d.string();
  const to = d.string();
  const term = d.varint();
  const logTerm = d.varint();
  const index = d.varint();
  const commit = d.varint();
  const rejectHint = d.varint();
  const flags = d.u8();
  if (flags & ~(FLAG_REJECT | FLAG_SNAPSHOT | FLAG_CONTEXT)) d.fail(`unknown message flags ${flags}`);
  const n = d.count(MIN_ENTRY_SIZE);
  const entries: Entry[] = [];
  for (let i = 0; i < n && !d.err; i++) entries.push(readEntry(d));
  const msg: Message = { type: type ?? 'app', from, to, term, logTerm, index, entries, commit, reject: (flags & FLAG_REJECT) !== 0, rejectHint };
  if (flags & FLAG_SNAPSHOT) msg.snapshot = readSnapshot(d);
  if (flags & FLAG_CONTEXT) msg.context = d.bytes();
  return msg;
}

function readEntry(d: Decoder): Entry {
  const term = d.varint();
  const index = d.varint();
  const code = d.u8();
  const type = ENTRY_TYPES[code];
  if (type === undefined) d.fail(`unknown entry type code ${code}`);
  const data = d.bytes();
  return { term, index, type: type ?? 'normal', data };
}

function readSnapshot(d: Decoder): Snapshot {
  const index = d.varint();
  const term = d.varint();
  const voters = readStrings(d);
  const learners = readStrings(d);
  const data = d.bytes();
  return { meta: { index, term, conf: { voters, learners } }, data };
}

function readStrings(d: Decoder): string[] {
  const n = d.count(1);
  const out: string[] = [];
  for (let i = 0; i < n && !d.err; i++) out.push(d.string());
  return out;
}
