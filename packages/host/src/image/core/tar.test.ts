import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK, encodePaxHeader, encodePaxRecords, encodeTarHeader, normalizeTarPath, padded, parsePaxRecords, parseTarHeader, TarFormatError } from './tar.js';
import type { TarHeader } from './tar.js';

const base: TarHeader = {
  name: 'etc/passwd',
  mode: 0o644,
  uid: 1000,
  gid: 1001,
  size: 1234,
  mtime: 1700000000,
  type: '0',
  linkname: '',
  uname: 'me',
  gname: 'us',
  devmajor: 0,
  devminor: 0,
};

describe('tar headers', () => {
  it('round-trip through encode/parse', () => {
    expect(parseTarHeader(encodeTarHeader(base))).toEqual(base);
    const dev = { ...base, name: 'dev/null', type: '3', devmajor: 1, devminor: 3, size: 0 };
    expect(parseTarHeader(encodeTarHeader(dev))).toEqual(dev);
  });

  it('reject a corrupted header', () => {
    const b = encodeTarHeader(base);
    b[10] = b[10]! ^ 1;
    expect(() => parseTarHeader(b)).toThrow(TarFormatError);
  });

  it('read the ustar prefix field and GNU base-256 numbers', () => {
    const b = encodeTarHeader({ ...base, name: 'file' });
    b.set(new TextEncoder().encode('some/long/prefix'), 345);
    b.fill(0, 124, 136);
    b[124] = 0x80;
    b[135] = 5; // size 5 in base-256
    const sum = [...b].reduce((n, x, i) => n + (i >= 148 && i < 156 ? 32 : x), 0);
    b.set(new TextEncoder().encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    expect(parseTarHeader(b)).toMatchObject({ name: 'some/long/prefix/file', size: 5 });
  });

  it('PAX records round-trip, including lengths that change digit count and UTF-8', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-zA-Z.]{1,20}$/), fc.string({ unit: 'grapheme', maxLength: 120 })), (records) => {
        expect(parsePaxRecords(encodePaxRecords(records))).toEqual(records);
      }),
    );
    expect(new TextDecoder().decode(encodePaxRecords({ path: 'x' }))).toBe('9 path=x\n');
    expect(new TextDecoder().decode(encodePaxRecords({ path: 'abcdef' }))).toBe('15 path=abcdef\n');
    expect(encodePaxHeader({ path: 'a' }, 'a').length).toBe(2 * BLOCK);
  });

  it('normalizes entry names and pads sizes', () => {
    expect(normalizeTarPath('./a/b/')).toBe('a/b');
    expect(normalizeTarPath('/a')).toBe('a');
    expect(normalizeTarPath('./')).toBe('');
    expect(padded(0)).toBe(0);
    expect(padded(1)).toBe(512);
    expect(padded(512)).toBe(512);
  });
});
