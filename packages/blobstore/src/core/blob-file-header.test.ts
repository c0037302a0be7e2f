import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOB_HEADER_BYTES, BlobFileError, decodeBlobHeader, encodeBlobHeader } from './blob-file-header.js';

describe('blob file header', () => {
  it('round-trips (property)', () => {
    fc.assert(
      fc.property(fc.record({ size: fc.nat(), sha512: fc.base64String(), type: fc.string({ maxLength: 255 }), mtime: fc.nat() }), (h) => {
        const bytes = encodeBlobHeader(h);
        expect(bytes.length).toBe(BLOB_HEADER_BYTES);
        expect(decodeBlobHeader(bytes)).toEqual(h);
      }),
    );
  });

  it('refuses anything else with BlobFileError, never another error (property)', () => {
    const good = encodeBlobHeader({ size: 1, sha512: 'x', type: 't', mtime: 2 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(BLOB_HEADER_BYTES - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), (edits) => {
        const bad = Uint8Array.from(good);
        for (const [at, b] of edits) bad[at] = b;
        try {
          decodeBlobHeader(bad);
        } catch (err) {
          expect(err).toBeInstanceOf(BlobFileError);
        }
      }),
    );
    expect(() => decodeBlobHeader(good.subarray(0, 100))).toThrow(BlobFileError);
  });
});
