/**
 * WAL recovery: replays every segment, in order, into a `LogState`. Read-only:
 * repairing a torn tail is the writer's job (wal.ts). Only committed batches are
 * applied; within them records apply in order: a head repeats the state of the
 * segments before it, entries append with suffix truncation, a snapshot record
 * restores (keeps the log or replaces it, as the writer decided), the last hard state wins,
 * a compact record drops the covered prefix.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotMark } from './log-state.js';
import { LogState, batchProblem } from './log-state.js';
import type { SegmentFile } from './segment.js';
import { listSegments, scanSegment } from './segment.js';
import { StorageCorruptError } from './storage-errors.js';
import type { WalRecord } from './wal-record.js';

export interface ScannedSegment extends SegmentFile {
  /** The highest entry index the segment holds (0 for none). */
  maxIndex: number;
  /** Bytes worth keeping; below `fileSize` only for a torn last segment. */
  validLength: number;
  fileSize: number;
}

export interface WalScan {
  log: LogState;
  /** Every snapshot position a durable record names (see `markKey`). */
  referenced: Set<string>;
  segments: ScannedSegment[];
}

export function markKey(m: SnapshotMark): string {
  return `${m.term}-${m.index}`;
}

/** Reads and replays the WAL in `dir`. Throws `StorageCorruptError` for damage that is not a torn tail. */
export async function replayWal(dir: string): Promise<WalScan> {
  const files = await listSegments(dir);
  const log = new LogState();
  const referenced = new Set<string>();
  const segments: ScannedSegment[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const path = join(dir, f.name);
    const buf = await readFile(path);
    const scan = scanSegment(buf, path, i === files.length - 1);
    let maxIndex = 0;
    for (const batch of scan.batches) {
      for (const { record, offset } of batch) {
        const at = { log, referenced, seq: f.seq, file: path, offset };
        maxIndex = Math.max(maxIndex, applyRecord(at, record));
      }
    }
    segments.push({ ...f, maxIndex, validLength: scan.validLength, fileSize: buf.length });
  }
  return { log, referenced, segments };
}

interface ReplayAt {
  log: LogState;
  referenced: Set<string>;
  seq: number;
  file: string;
  offset: number;
}

/** Applies one record; returns the entry index it carried (0 for other records). */
function applyRecord(at: ReplayAt, record: WalRecord): number {
  const { log } = at;
  switch (record.kind) {
    case 'head': {
      const { head } = record;
      if (head.seq !== at.seq) throw new StorageCorruptError(at.file, at.offset, `head says seq ${head.seq}, the name says ${at.seq}`);
      if (head.mark) at.referenced.add(markKey(head.mark));
      log.noteHead(head);
      return 0;
    }
    case 'entry': {
      const problem = batchProblem(log, { entries: [record.entry] });
      if (problem) throw new StorageCorruptError(at.file, at.offset, problem);
      log.append([record.entry]);
      return record.entry.index;
    }
    case 'hard-state':
      log.hardState = record.hardState;
      return 0;
    case 'snapshot':
      at.referenced.add(markKey(record.mark));
      log.restore(record.mark, record.replacesLog);
      return 0;
    case 'compact':
      log.compact(record.index);
      return 0;
    case 'commit':
      return 0;
  }
}
