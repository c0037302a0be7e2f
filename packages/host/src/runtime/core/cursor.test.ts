import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlynnError } from '@flynn-ts/core';
import { decodeOciCursor, decodeProcessCursor, encodeOciCursor, encodeProcessCursor } from './cursor.js';

describe('output cursors', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        expect(decodeProcessCursor(encodeProcessCursor({ stdout: a, stderr: b }))).toEqual({ stdout: a, stderr: b });
        expect(decodeOciCursor(encodeOciCursor(a))).toBe(a);
      }),
    );
  });

  it('start at the beginning without a cursor', () => {
    expect(decodeProcessCursor(undefined)).toEqual({ stdout: 0, stderr: 0 });
    expect(decodeOciCursor('')).toBe(0);
  });

  it("reject other drivers' and made-up cursors with a 400-class error", () => {
    for (const bad of ['o1:12', 'p1:1', 'p1:-1:2', 'p1:1:2:3', 'x', 'p1:1e3:0']) {
      let err: unknown;
      try {
        decodeProcessCursor(bad);
      } catch (e) {
        err = e;
      }
      expect(FlynnError.is(err) && err.code).toBe('FLYNN_HOST_RUNTIME_BAD_CURSOR');
      expect(FlynnError.is(err) && err.status).toBe(400);
    }
    expect(() => decodeOciCursor('p1:0:0')).toThrow(/not a oci driver output cursor/);
  });
});
