import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeFrame, FrameDecoder, unframe } from './rfc6587.js';
import type { FrameDecoderOptions } from './rfc6587.js';
import { SyslogFrameError } from './syslog-errors.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const texts = (frames: Uint8Array[]) => frames.map(dec);

/** Pushes `stream` cut at `cuts`; returns the frames and the error (if any). */
function decodeInChunks(stream: Uint8Array, cuts: number[], options?: FrameDecoderOptions): { frames: string[]; error: number | undefined } {
  const d = new FrameDecoder(options);
  const frames: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)) {
    frames.push(...d.push(stream.subarray(at, cut)));
    at = cut;
  }
  frames.push(...d.push(stream.subarray(at)));
  frames.push(...d.end());
  return { frames: texts(frames), error: d.error?.offset };
}

describe('encodeFrame / unframe', () => {
  it('prefixes the octet count (not the character count)', () => {
    expect(dec(encodeFrame('<0>1 - - - - - - é'))).toBe('19 <0>1 - - - - - - é');
    expect(dec(unframe(encodeFrame('abc')))).toBe('abc');
  });

  it('refuses an empty message and malformed frames', () => {
    expect(() => encodeFrame('')).toThrow(SyslogFrameError);
    for (const bad of ['', '3', '3 ab', '3 abcd', '03 abc', ' abc', 'x abc', '1x a']) {
      expect(() => unframe(enc(bad)), bad).toThrow(SyslogFrameError);
    }
    expect(() => unframe(enc('5 abcde'), 4)).toThrow(/above 4/);
  });
});

describe('FrameDecoder', () => {
  it('decodes octet-counted frames split anywhere, skipping LF/CR between frames', () => {
    const d = new FrameDecoder();
    expect(texts(d.push(enc('5 hello6 wor')))).toEqual(['hello']);
    expect(d.buffered).toBe(3);
    expect(texts(d.push(enc('ld!\n\r\n3 a b')))).toEqual(['world!', 'a b']);
    expect(d.end()).toEqual([]);
    expect(d.error).toBeUndefined();
  });

  it('accepts non-transparent LF framing, dropping one CR before LF', () => {
    expect(texts(decodeFrames(enc('<1>a b\n<2>c\r\n10 <3>12 4567<4>end')))).toEqual(['<1>a b', '<2>c', '<3>12 4567', '<4>end']);
  });

  it('refuses LF framing in octet-counting mode', () => {
    expect(() => decodeFrames(enc('<1>a\n'), { framing: 'octet-counting' })).toThrow(SyslogFrameError);
  });

  it.each<[string, number, string]>([
    ['0 x', 0, 'leading zero'],
    ['3 abc x', 5, 'unexpected byte 0x20'],
    ['12a x', 2, 'digit or SP'],
    ['99999 x', 1, 'above the limit'],
    ['<1>' + 'x'.repeat(20) + '\n', 16, 'LF-framed message above'],
  ])('reports %j at byte %d', (text, offset, message) => {
    const d = new FrameDecoder({ maxFrameBytes: 16 });
    d.push(enc(text));
    expect(d.error).toBeInstanceOf(SyslogFrameError);
    expect(d.error!.offset).toBe(offset);
    expect(d.error!.message).toContain(message);
    expect(d.error!.code).toBe('FLYNN_HOST_SYSLOG_FRAME');
  });

  it('returns the frames before an error, nothing after it, and stays failed', () => {
    const d = new FrameDecoder();
    expect(texts(d.push(enc('3 abc?3 def')))).toEqual(['abc']);
    expect(d.error?.offset).toBe(5);
    expect(d.push(enc('3 ghi'))).toEqual([]);
    expect(d.error?.offset).toBe(5);
  });

  it('reports a frame torn by the end of the stream', () => {
    const d = new FrameDecoder();
    d.push(enc('10 abc'));
    expect(d.end()).toEqual([]);
    expect(d.error?.message).toContain('stream ended inside a frame');
    expect(() => decodeFrames(enc('7'))).toThrow(SyslogFrameError);
  });
});

// ------------------------------------------------------------- properties

const payload = (max: number) => fc.uint8Array({ minLength: 1, maxLength: max });
/** A non-transparent frame: starts with '<', no LF, does not end in CR. */
const lfFrame = (max: number) =>
  fc
    .uint8Array({ maxLength: max - 1 })
    .map((b) => new Uint8Array([0x3c, ...b.filter((x) => x !== 0x0a)]))
    .filter((b) => b[b.length - 1] !== 0x0d);
const separator = fc.constantFrom('', '\n', '\r\n', '\n\n').map(enc);

const streamArb = fc
  .array(fc.tuple(fc.oneof(payload(40).map((p) => ({ kind: 'oc' as const, p })), lfFrame(40).map((p) => ({ kind: 'lf' as const, p }))), separator), { maxLength: 12 })
  .map((parts) => {
    const expected: string[] = [];
    const bytes: number[] = [];
    for (const [f, sep] of parts) {
      expected.push(dec(f.p));
      if (f.kind === 'oc') bytes.push(...encodeFrame(f.p), ...sep);
      else bytes.push(...f.p, 0x0a, ...sep);
    }
    return { expected, stream: new Uint8Array(bytes) };
  });

describe('properties', () => {
  it('decodes any encoded stream the same however it is chunked', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 10 }), ({ expected, stream }, cuts) => {
        const out = decodeInChunks(stream, cuts, { maxFrameBytes: 40 });
        expect(out.error).toBeUndefined();
        expect(out.frames).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('splits garbage identically under any chunking, never throwing', () => {
    const byte = fc.oneof(fc.constantFrom(0x3c, 0x0a, 0x0d, 0x20, 0x30, 0x31, 0x35, 0x39, 0x61), fc.integer({ min: 0, max: 255 }));
    const noisy = fc.oneof(
      fc.array(byte, { maxLength: 120 }).map((a) => new Uint8Array(a)),
      fc.tuple(streamArb, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([{ stream }, at, b]) => {
        const copy = stream.slice();
        if (copy.length > 0) copy[at % copy.length] = b;
        return copy;
      }),
    );
    fc.assert(
      fc.property(noisy, fc.array(fc.nat(), { maxLength: 10 }), (stream, cuts) => {
        const max = { maxFrameBytes: 12 };
        const whole = decodeInChunks(stream, [], max);
        const chunked = decodeInChunks(stream, cuts, max);
        expect(chunked).toEqual(whole);
        try {
          decodeFrames(stream, max);
        } catch (err) {
          expect(err).toBeInstanceOf(SyslogFrameError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
