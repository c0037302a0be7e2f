import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson, compareCodePoints } from './canonical-json.js';

describe('canonicalJson (tent/canonical-json-go rules)', () => {
  it('sorts keys, drops whitespace and undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, { z: 'x', _y: 0 }], c: undefined })).toBe('{"a":[true,null,{"_y":0,"z":"x"}],"b":1}');
  });

  it('escapes only quote and backslash; everything else is raw UTF-8', () => {
    expect(canonicalJson('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(canonicalJson('<&>\n\t\u0001é€😀')).toBe('"<&>\n\t\u0001é€😀"');
  });

  it('orders keys by code point (UTF-8 byte order), not UTF-16 code unit', () => {
    // U+FFFF sorts before U+10000 by code point; as UTF-16 the surrogate 0xD800 would come first.
    expect(canonicalJson({ '\u{10000}': 1, '\uffff': 2 })).toBe('{"\uffff":2,"\u{10000}":1}');
    expect(['b', 'B', '_', 'a', 'aa'].sort(compareCodePoints)).toEqual(['B', '_', 'a', 'aa', 'b']);
  });

  it('refuses floating point, lone surrogates and non-JSON values', () => {
    expect(() => canonicalJson({ x: 1.5 })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson('\ud800')).toThrow(/UTF-8/);
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow(/UTF-8/);
    expect(() => canonicalJson(() => 1)).toThrow(CanonicalJsonError);
    expect(canonicalJson(-0)).toBe('0');
  });

  it('property: the output parses back to the same value, and key order of the input does not matter', () => {
    const value = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('.') && !/e/i.test(JSON.stringify(v).replace(/"[^"]*"/g, '')));
    fc.assert(
      fc.property(value, (v) => {
        let out: string;
        try {
          out = canonicalJson(v);
        } catch (err) {
          expect(err).toBeInstanceOf(CanonicalJsonError); // floats (e.g. 1e21) and lone surrogates
          return;
        }
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v))); // -0 becomes 0
        const reversed = JSON.parse(JSON.stringify(v), (_k, x: unknown) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(out);
      }),
      { numRuns: 200 },
    );
  });
});
