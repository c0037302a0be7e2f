import { describe, expect, it } from 'vitest';
import { parseCopyBinary } from './copy-out.js';

function copyStream(rows: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(4), Buffer.alloc(4)];
  for (const row of rows) {
    const n = Buffer.alloc(2);
    n.writeInt16BE(row.length);
    parts.push(n);
    for (const f of row) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      parts.push(len);
      if (f) parts.push(f);
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

describe('parseCopyBinary', () => {
  it('reads rows of fields, NULLs included', () => {
    const rows = [[Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]), Buffer.from('abc')], [null, Buffer.alloc(0)]];
    expect(parseCopyBinary(copyStream(rows))).toEqual(rows);
    expect(parseCopyBinary(copyStream([]))).toEqual([]);
  });

  it('refuses a bad signature and cut-off data', () => {
    const good = copyStream([[Buffer.from('hello')]]);
    expect(() => parseCopyBinary(Buffer.from('nope'))).toThrow(/signature/);
    for (let cut = 19; cut < good.length; cut++) expect(() => parseCopyBinary(good.subarray(0, cut))).toThrow(/binary COPY/);
  });
});
