import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAttachStart } from './attach-state.js';

describe('readAttachStart', () => {
  it('skips waiting bytes, consumes success, keeps what follows', () => {
    expect(readAttachStart(Uint8Array.of(1, 1))).toEqual({ kind: 'pending' });
    expect(readAttachStart(new Uint8Array(0))).toEqual({ kind: 'pending' });
    expect(readAttachStart(Uint8Array.of(1, 0, 3, 1, 0, 0, 0, 0))).toEqual({ kind: 'success', rest: Uint8Array.of(3, 1, 0, 0, 0, 0) });
    expect(readAttachStart(Uint8Array.of(1, 2, 0, 0, 0, 1, 120))).toEqual({ kind: 'frame', rest: Uint8Array.of(2, 0, 0, 0, 1, 120) });
  });

  it('never loses or reorders the bytes after the state (property)', () => {
    fc.assert(
      fc.property(fc.nat(5), fc.uint8Array({ maxLength: 50 }), (waiting, frames) => {
        const bytes = Uint8Array.from([...Array<number>(waiting).fill(1), 0, ...frames]);
        const start = readAttachStart(bytes);
        expect(start.kind).toBe('success');
        if (start.kind === 'success') expect([...start.rest]).toEqual([...frames]);
      }),
    );
  });
});
