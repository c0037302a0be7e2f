import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../core/types.js';
import type { WalRecord } from './wal-record.js';
import { FRAME_HEADER_SIZE, decodeRecord, decodeSnapshotFile, encodeRecords, encodeSnapshotFile, readFrame } from './wal-record.js';

const records: WalRecord[] = [
  { kind: 'head', head: { seq: 3, mark: { index: 2 ** 40, term: 7 }, compactedTo: 12, hardState: { term: 9, vote: 'nœud-1', commit: 2 ** 53 - 1 } } },
  { kind: 'head', head: { seq: 1, mark: undefined, compactedTo: 0, hardState: undefined } },
  { kind: 'entry', entry: { term: 2, index: 5, type: 'normal', data: new Uint8Array(0) } },
  { kind: 'entry', entry: { term: 2, index: 6, type: 'conf-change', data: new Uint8Array([0, 1, 255]) } },
  { kind: 'hard-state', hardState: { term: 2, vote: '', commit: 5 } },
  { kind: 'snapshot', mark: { index: 4, term: 2 }, replacesLog: true },
  { kind: 'snapshot', mark: { index: 4, term: 2 }, replacesLog: false },
  { kind: 'compact', index: 4 },
  { kind: 'commit' },
];

function decodeAll(buf: Uint8Array): WalRecord[] {
  const out: WalRecord[] = [];
  for (let off = 0; off < buf.length; ) {
    const f = readFrame(buf, off);
    if (!f.ok) throw new Error(f.reason);
    out.push(decodeRecord(f.type, f.payload));
    off = f.next;
  }
  return out;
}

describe('WAL records', () => {
  it('round-trip every record kind', () => {
    expect(decodeAll(encodeRecords(records))).toEqual(records);
  });

  it('detect any flipped bit in a frame, length field included', () => {
    const buf = encodeRecords([records[3]!]);
    for (let i = 0; i < buf.length * 8; i++) {
      const bad = new Uint8Array(buf);
      bad[i >> 3]! ^= 1 << (i & 7);
      expect(readFrame(bad, 0).ok, `bit ${i}`).toBe(false);
    }
  });

  it('report a partial header or payload as partial', () => {
    const buf = encodeRecords([records[2]!]);
    expect(readFrame(buf.subarray(0, FRAME_HEADER_SIZE - 1), 0)).toMatchObject({ ok: false, reason: 'partial record header' });
    expect(readFrame(buf.subarray(0, buf.length - 1), 0)).toMatchObject({ ok: false, reason: 'partial record' });
  });

  it('refuse numbers that are not unsigned safe integers', () => {
    expect(() => encodeRecords([{ kind: 'compact', index: -1 }])).toThrow(/unsigned safe integer/);
    expect(() => encodeRecords([{ kind: 'compact', index: 1.5 }])).toThrow(/unsigned safe integer/);
  });

  it('round-trip a snapshot file and refuse a damaged one', () => {
    const snap: Snapshot = { meta: { index: 10, term: 3, conf: { voters: ['a', 'b'], learners: ['c'] } }, data: new Uint8Array([9, 8, 7]) };
    const bytes = encodeSnapshotFile(snap);
    expect(decodeSnapshotFile(bytes)).toEqual(snap);
    expect(() => decodeSnapshotFile(bytes.subarray(0, bytes.length - 1))).toThrow(/partial/);
    const bad = new Uint8Array(bytes);
    bad[bad.length - 1]! ^= 1;
    expect(() => decodeSnapshotFile(bad)).toThrow(/checksum/);
  });
});
