/**
 * WAL segment files: naming, listing and scanning.
 *
 * A segment is `wal/<seq>-<firstIndex>.wal` (16 hex digits each): `seq` counts
 * up from 1 without holes, `firstIndex` is the index the next entry had when the
 * segment was created (informational). Its first batch is a head record; then
 * come batches of records, each ended by a commit record.
 *
 * Scanning is strict except at the tail of the last segment: a partial record,
 * a checksum mismatch in the last batch, or a batch without its commit there is
 * a torn write (a crash mid-write) and is cut off. The same in any other
 * segment, or a damaged record that whole batches follow (which a torn write
 * cannot produce), is corruption: `StorageCorruptError`. A damaged length field
 * that points past the end of the file reads as a torn tail, as in etcd.
 */
import { join } from 'node:path';
import { StorageCorruptError } from './storage-errors.js';
import { hex16, listNames } from './storage-fs.js';
import type { WalRecord } from './wal-record.js';
import { FRAME_HEADER_SIZE, RecordType, decodeRecord, readFrame } from './wal-record.js';

export interface SegmentFile {
  seq: number;
  firstIndex: number;
  name: string;
}

export interface LocatedRecord {
  record: WalRecord;
  offset: number;
}

export interface SegmentScan {
  /** The committed batches, in order, without their commit records. */
  batches: LocatedRecord[][];
  /** Bytes up to the end of the last commit record: what recovery keeps. */
  validLength: number;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentName(name: string): SegmentFile | undefined {
  const m = SEGMENT_RE.exec(name);
  if (!m) return undefined;
  return { seq: Number.parseInt(m[1]!, 16), firstIndex: Number.parseInt(m[2]!, 16), name };
}

/** The segments in `dir`, ascending by seq. Other names are ignored. Throws on a hole in the sequence. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segs = (await listNames(dir))
    .map(parseSegmentName)
    .filter((s): s is SegmentFile => s !== undefined)
    .sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1]!;
    const cur = segs[i]!;
    if (cur.seq !== prev.seq + 1) {
      throw new StorageCorruptError(join(dir, cur.name), 0, `segment sequence jumps from ${prev.seq} to ${cur.seq}`);
    }
  }
  return segs;
}

/**
 * Whether the frames after a damaged one (as far as they check out) complete a
 * further batch: a commit record beyond the one ending the damaged batch
 * (the damaged frame counts as that one when it has a commit's shape). A torn
 * write damages only the tail, so it cannot leave a whole batch behind it; media
 * damage in the middle does. (Unsynced writes reordered by a power loss could
 * look the same; refusing to start is the safe answer then.)
 */
function wholeBatchFollows(buf: Uint8Array, off: number, end: number | undefined): boolean {
  if (end === undefined) return false;
  const commitShaped = end === off + FRAME_HEADER_SIZE && buf[off + 8] === RecordType.commit;
  let commits = commitShaped ? 1 : 0;
  for (let p = end; commits < 2; ) {
    const f = readFrame(buf, p);
    if (!f.ok) return false;
    if (f.type === RecordType.commit) commits++;
    p = f.next;
  }
  return true;
}

/** Parses a segment's bytes into committed batches. `file` names it in errors. */
export function scanSegment(buf: Uint8Array, file: string, isLast: boolean): SegmentScan {
  const batches: LocatedRecord[][] = [];
  let open: LocatedRecord[] = [];
  let validLength = 0;
  let off = 0;
  while (off < buf.length) {
    const f = readFrame(buf, off);
    if (!f.ok) {
      if (!isLast) throw new StorageCorruptError(file, off, f.reason);
      if (wholeBatchFollows(buf, off, f.end)) {
        throw new StorageCorruptError(file, off, `${f.reason} in a record that whole batches follow`);
      }
      return { batches, validLength };
    }
    let record: WalRecord;
    try {
      record = decodeRecord(f.type, f.payload);
    } catch (err) {
      throw new StorageCorruptError(file, off, `malformed record: ${(err as Error).message}`, err);
    }
    if (off === 0 && record.kind !== 'head') throw new StorageCorruptError(file, 0, 'segment does not start with a head record');
    if (off !== 0 && record.kind === 'head') throw new StorageCorruptError(file, off, 'head record inside a segment');
    if (record.kind === 'commit') {
      batches.push(open);
      open = [];
      validLength = f.next;
    } else {
      open.push({ record, offset: off });
    }
    off = f.next;
  }
  if (!isLast && open.length > 0) throw new StorageCorruptError(file, validLength, 'segment ends inside a batch');
  if (!isLast && batches.length === 0) throw new StorageCorruptError(file, 0, 'empty segment before the last one');
  return { batches, validLength };
}
