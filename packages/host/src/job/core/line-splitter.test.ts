import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('LineSplitter', () => {
  it('splits lines, keeps partial lines per stream, drops a trailing CR', () => {
    const s = new LineSplitter();
    expect(s.push('stdout', enc('a\nb'))).toEqual(['a']);
    expect(s.atLineBoundary).toBe(false);
    expect(s.push('stderr', enc('e1\r\n'))).toEqual(['e1']);
    expect(s.push('stdout', enc('c\n\nd\n'))).toEqual(['bc', '', 'd']);
    expect(s.atLineBoundary).toBe(true);
    expect(s.push('stdout', enc('tail'))).toEqual([]);
    expect(s.flush('stdout')).toBe('tail');
    expect(s.flush('stdout')).toBeUndefined();
  });

  it('keeps multi-byte characters split across chunks', () => {
    const bytes = enc('héllo wörld\n');
    const s = new LineSplitter();
    const out: string[] = [];
    for (const b of bytes) out.push(...s.push('stdout', Uint8Array.of(b)));
    expect(out).toEqual(['héllo wörld']);
  });

  it('cuts lines longer than maxLineBytes', () => {
    const s = new LineSplitter({ maxLineBytes: 4 });
    expect(s.push('stdout', enc('abcdefghij\nxy'))).toEqual(['abcd', 'efgh', 'ij']);
    expect(s.flush('stdout')).toBe('xy');
  });

  it('any chunking of a text gives the lines of the whole text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-zé€\n]{0,12}$/), { maxLength: 12 }), fc.array(fc.nat(20), { maxLength: 30 }), (parts, cuts) => {
        const text = parts.join('');
        const bytes = enc(text);
        const s = new LineSplitter();
        const out: string[] = [];
        let pos = 0;
        for (const c of cuts) {
          const end = Math.min(bytes.length, pos + c);
          out.push(...s.push('stdout', bytes.subarray(pos, end)));
          pos = end;
        }
        out.push(...s.push('stdout', bytes.subarray(pos)));
        const last = s.flush('stdout');
        if (last !== undefined) out.push(last);
        const expected = text.split('\n');
        if (expected[expected.length - 1] === '') expected.pop();
        expect(out).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
