/**
 * The WAL's record format. Pure codec over Uint8Array; little-endian throughout.
 *
 * Frame: `u32 length | u32 crc32c | u8 type | payload[length]`. The CRC covers the
 * length field, the type byte and the payload, so a damaged length is caught too.
 *
 * Payloads (u64 = two u32 words, low first; numbers must be safe integers):
 * - entry (1): `u64 term | u64 index | u8 type (0 normal, 1 conf-change) | data`
 * - hard state (2): `u64 term | u64 commit | vote (UTF-8)`
 * - snapshot (3): `u64 index | u64 term | u8 replacesLog`: a snapshot file with this position is
 *   durable; `replacesLog` (1) when it replaced the log (InstallSnapshot), 0 when the log matched it
 * - compact (4): `u64 index`: entries at or below it are covered by the snapshot
 * - head (5): first record of each segment: `u8 version | u64 seq | u8 hasMark | u64 markIndex |
 *   u64 markTerm | u64 compactedTo | u8 hasHardState | u64 term | u64 commit | vote`; it repeats the
 *   state the deleted older segments held, so compaction can remove them
 * - commit (6): empty; ends a batch. Recovery applies only whole batches.
 * - snapshot file (7): body of a `.snap` file: `u64 index | u64 term | u32 n | conf JSON[n] | data`
 */
import { InvariantError } from '@flynn-ts/core';
import type { ConfState, Entry, HardState, Snapshot } from '../core/types.js';
import { crc32c } from './crc32c.js';
import type { SnapshotMark } from './log-state.js';

export const FRAME_HEADER_SIZE = 9;
const FORMAT_VERSION = 1;
const U32 = 0x1_0000_0000;

export const RecordType = { entry: 1, hardState: 2, snapshot: 3, compact: 4, head: 5, commit: 6, snapshotFile: 7 } as const;

export interface SegmentHead {
  seq: number;
  mark: SnapshotMark | undefined;
  compactedTo: number;
  hardState: HardState | undefined;
}

export type WalRecord =
  | { kind: 'entry'; entry: Entry }
  | { kind: 'hard-state'; hardState: HardState }
  | { kind: 'snapshot'; mark: SnapshotMark; replacesLog: boolean }
  | { kind: 'compact'; index: number }
  | { kind: 'head'; head: SegmentHead }
  | { kind: 'commit' };

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder('utf-8', { fatal: true });

/** Writes a payload at `off`; `size` is its exact length. */
interface Part {
  type: number;
  size: number;
  write(view: DataView, bytes: Uint8Array, off: number): void;
}

function u64(view: DataView, off: number, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvariantError('raft storage: not an unsigned safe integer', { n });
  view.setUint32(off, n >>> 0, true);
  view.setUint32(off + 4, Math.floor(n / U32), true);
}

function partOf(r: WalRecord): Part {
  switch (r.kind) {
    case 'entry': {
      const { term, index, type, data } = r.entry;
      return { type: RecordType.entry, size: 17 + data.length, write: (v, b, o) => {
        u64(v, o, term);
        u64(v, o + 8, index);
        b[o + 16] = type === 'conf-change' ? 1 : 0;
        b.set(data, o + 17);
      } };
    }
    case 'hard-state': {
      const vote = utf8.encode(r.hardState.vote);
      return { type: RecordType.hardState, size: 16 + vote.length, write: (v, b, o) => {
        u64(v, o, r.hardState.term);
        u64(v, o + 8, r.hardState.commit);
        b.set(vote, o + 16);
      } };
    }
    case 'snapshot':
      return { type: RecordType.snapshot, size: 17, write: (v, b, o) => {
        u64(v, o, r.mark.index);
        u64(v, o + 8, r.mark.term);
        b[o + 16] = r.replacesLog ? 1 : 0;
      } };
    case 'compact':
      return { type: RecordType.compact, size: 8, write: (v, _b, o) => u64(v, o, r.index) };
    case 'head':
      return headPart(r.head);
    case 'commit':
      return { type: RecordType.commit, size: 0, write: () => undefined };
  }
}

function headPart(h: SegmentHead): Part {
  const vote = utf8.encode(h.hardState?.vote ?? '');
  return { type: RecordType.head, size: 51 + vote.length, write: (v, b, o) => {
    b[o] = FORMAT_VERSION;
    u64(v, o + 1, h.seq);
    b[o + 9] = h.mark ? 1 : 0;
    u64(v, o + 10, h.mark?.index ?? 0);
    u64(v, o + 18, h.mark?.term ?? 0);
    u64(v, o + 26, h.compactedTo);
    b[o + 34] = h.hardState ? 1 : 0;
    u64(v, o + 35, h.hardState?.term ?? 0);
    u64(v, o + 43, h.hardState?.commit ?? 0);
    b.set(vote, o + 51);
  } };
}

function encodeParts(parts: readonly Part[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += FRAME_HEADER_SIZE + p.size;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  for (const p of parts) {
    view.setUint32(off, p.size, true);
    bytes[off + 8] = p.type;
    p.write(view, bytes, off + FRAME_HEADER_SIZE);
    const end = off + FRAME_HEADER_SIZE + p.size;
    view.setUint32(off + 4, crc32c(bytes.subarray(off + 8, end), crc32c(bytes.subarray(off, off + 4))), true);
    off = end;
  }
  return bytes;
}

/** Encodes records, framed, into one buffer (callers end a batch with a commit record). */
export function encodeRecords(records: readonly WalRecord[]): Uint8Array {
  return encodeParts(records.map(partOf));
}

export type FrameResult =
  | { ok: true; type: number; payload: Uint8Array; next: number }
  | { ok: false; reason: string; /** Where the frame would end, when its length fits the buffer. */ end?: number };

/** Reads the frame at `off`, checking its length and CRC. */
export function readFrame(buf: Uint8Array, off: number): FrameResult {
  if (off + FRAME_HEADER_SIZE > buf.length) return { ok: false, reason: 'partial record header' };
  const view = new DataView(buf.buffer, buf.byteOffset + off, FRAME_HEADER_SIZE);
  const len = view.getUint32(0, true);
  const end = off + FRAME_HEADER_SIZE + len;
  if (end > buf.length) return { ok: false, reason: 'partial record' };
  const crc = crc32c(buf.subarray(off + 8, end), crc32c(buf.subarray(off, off + 4)));
  if (crc !== view.getUint32(4, true)) return { ok: false, reason: 'checksum mismatch', end };
  return { ok: true, type: buf[off + 8]!, payload: buf.subarray(off + FRAME_HEADER_SIZE, end), next: end };
}

function readU64(view: DataView, off: number): number {
  const hi = view.getUint32(off + 4, true);
  if (hi > 0x1f_ffff) throw new Error('u64 beyond the safe integer range');
  return hi * U32 + view.getUint32(off, true);
}

function need(p: Uint8Array, n: number): DataView {
  if (p.length < n) throw new Error(`payload of ${p.length} bytes is shorter than ${n}`);
  return new DataView(p.buffer, p.byteOffset, p.byteLength);
}

/** Decodes a payload whose frame checked out. Throws an Error for a malformed one. Copies entry data. */
export function decodeRecord(type: number, p: Uint8Array): WalRecord {
  switch (type) {
    case RecordType.entry: {
      const v = need(p, 17);
      const t = p[16];
      if (t !== 0 && t !== 1) throw new Error(`unknown entry type ${String(t)}`);
      const entry: Entry = { term: readU64(v, 0), index: readU64(v, 8), type: t === 1 ? 'conf-change' : 'normal', data: new Uint8Array(p.subarray(17)) };
      return { kind: 'entry', entry };
    }
    case RecordType.hardState: {
      const v = need(p, 16);
      return { kind: 'hard-state', hardState: { term: readU64(v, 0), commit: readU64(v, 8), vote: utf8Decode.decode(p.subarray(16)) } };
    }
    case RecordType.snapshot: {
      const v = need(p, 17);
      if (p[16]! > 1) throw new Error(`bad snapshot flag ${p[16]}`);
      return { kind: 'snapshot', mark: { index: readU64(v, 0), term: readU64(v, 8) }, replacesLog: p[16] === 1 };
    }
    case RecordType.compact:
      return { kind: 'compact', index: readU64(need(p, 8), 0) };
    case RecordType.head:
      return { kind: 'head', head: decodeHead(p) };
    case RecordType.commit:
      if (p.length !== 0) throw new Error('commit record with a payload');
      return { kind: 'commit' };
    default:
      throw new Error(`unknown record type ${type}`);
  }
}

function decodeHead(p: Uint8Array): SegmentHead {
  const v = need(p, 51);
  if (p[0] !== FORMAT_VERSION) throw new Error(`unsupported WAL format version ${String(p[0])}`);
  const mark = p[9] === 1 ? { index: readU64(v, 10), term: readU64(v, 18) } : undefined;
  const hardState = p[34] === 1 ? { term: readU64(v, 35), commit: readU64(v, 43), vote: utf8Decode.decode(p.subarray(51)) } : undefined;
  return { seq: readU64(v, 1), mark, compactedTo: readU64(v, 26), hardState };
}

/** The bytes of a `.snap` file: one snapshot-file frame. */
export function encodeSnapshotFile(s: Snapshot): Uint8Array {
  const conf = utf8.encode(JSON.stringify({ voters: s.meta.conf.voters, learners: s.meta.conf.learners }));
  return encodeParts([{ type: RecordType.snapshotFile, size: 20 + conf.length + s.data.length, write: (v, b, o) => {
    u64(v, o, s.meta.index);
    u64(v, o + 8, s.meta.term);
    v.setUint32(o + 16, conf.length, true);
    b.set(conf, o + 20);
    b.set(s.data, o + 20 + conf.length);
  } }]);
}

/** Decodes a `.snap` file's bytes. Throws an Error when it is torn, damaged or malformed. */
export function decodeSnapshotFile(buf: Uint8Array): Snapshot {
  const f = readFrame(buf, 0);
  if (!f.ok) throw new Error(f.reason);
  if (f.next !== buf.length) throw new Error('trailing bytes after the snapshot record');
  if (f.type !== RecordType.snapshotFile) throw new Error(`not a snapshot file (record type ${f.type})`);
  const v = need(f.payload, 20);
  const n = v.getUint32(16, true);
  if (f.payload.length < 20 + n) throw new Error('snapshot conf state runs past the record');
  const conf = JSON.parse(utf8Decode.decode(f.payload.subarray(20, 20 + n))) as ConfState;
  if (!isStringArray(conf.voters) || !isStringArray(conf.learners)) throw new Error('malformed snapshot conf state');
  const data = new Uint8Array(f.payload.subarray(20 + n));
  return { meta: { index: readU64(v, 0), term: readU64(v, 8), conf: { voters: conf.voters, learners: conf.learners } }, data };
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}
