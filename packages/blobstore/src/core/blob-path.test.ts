import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlobPathError, checkBlobPath, checkListDir, checkListPrefix, compareCodePoints, decodeBlobPath, encodeBlobPath } from './blob-path.js';

// Segments without '/', controls, and not '.' or '..'.
const segmentArb = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  // eslint-disable-next-line no-control-regex
  .filter((s) => !s.includes('/') && !/[\u0000-\u001f\u007f]/.test(s) && s !== '.' && s !== '..');
// Characters that matter to paths, plus any grapheme.
const fuzzChar = fc.oneof(fc.constantFrom('/', '%', '.', '2', 'F', 'f', 'e', 'E', '0', 'C', '\u0000', '\t', '\u007f', '\uffff'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
const pathArb = fc.array(segmentArb, { minLength: 1, maxLength: 5 }).map((segs) => `/${segs.join('/')}`);

describe('blob paths', () => {
  it('decodes what encodeBlobPath encodes, for every valid path (property)', () => {
    fc.assert(
      fc.property(pathArb, (path) => {
        expect(checkBlobPath(path)).toBe(path);
        expect(decodeBlobPath(encodeBlobPath(path))).toBe(path);
      }),
    );
  });

  it('refuses dot segments, empty segments, encoded slashes, bad escapes and controls with a 400', () => {
    for (const raw of ['/', '', 'a', '/a/../b', '/..', '/a/.', '/%2e%2e/x', '/a//b', '/a/', '/a%2Fb', '/a%zz', '/%E0%A4%A', '/a%00b', '/a%0Ab', '/a\tb']) {
      expect(() => decodeBlobPath(raw), raw).toThrow(BlobPathError);
      expect(() => decodeBlobPath(raw)).toThrow(expect.objectContaining({ status: 400, code: 'FLYNN_BLOBSTORE_INVALID_PATH' }));
    }
    expect(() => checkBlobPath(`/${'x'.repeat(201)}`)).toThrow(/segment is longer/);
    expect(() => checkBlobPath(`/${Array.from({ length: 60 }, () => 'x'.repeat(20)).join('/')}`)).toThrow(/longer than 1024/);
  });

  it('never throws anything but BlobPathError on any input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fuzzChar, maxLength: 40 }), (s) => {
        for (const input of [s, `/${s}`]) {
          try {
            const p = decodeBlobPath(input);
            expect(p.startsWith('/')).toBe(true);
            expect(p.split('/').slice(1)).not.toContain('..');
          } catch (err) {
            expect(err).toBeInstanceOf(BlobPathError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('takes listing dirs and prefixes as the original did', () => {
    expect(checkListDir('')).toBe('');
    expect(checkListDir('/')).toBe('');
    expect(checkListDir('/dir1/')).toBe('/dir1');
    expect(() => checkListDir('dir1')).toThrow(BlobPathError);
    expect(checkListPrefix('/lay')).toBe('/lay');
    expect(() => checkListPrefix('lay')).toThrow(BlobPathError);
  });

  it('orders by code point (UTF-8 byte order), unlike UTF-16 code units (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareCodePoints(a, b))).toBe(bytes);
      }),
    );
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
  });
});
