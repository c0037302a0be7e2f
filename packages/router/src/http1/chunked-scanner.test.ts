import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedScanner, MALFORMED, NEED_MORE } from './chunked-scanner.js';

function encode(chunks: Buffer[], trailer = ''): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunks) if (c.length) parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  parts.push(Buffer.from(`0\r\n${trailer}\r\n`));
  return Buffer.concat(parts);
}

/** Feeds `wire` in pieces split at `cuts`; returns [end index in wire or -1, decoded payload]. */
function feed(wire: Buffer, cuts: number[]): [number, Buffer] {
  const s = new ChunkedScanner();
  const out: Buffer[] = [];
  s.onData = (b, a, e) => out.push(Buffer.from(b.subarray(a, e)));
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, wire.length]) {
    if (p <= from) continue;
    const r = s.scan(wire, from, p);
    if (r === MALFORMED) return [MALFORMED, Buffer.concat(out)];
    if (r !== NEED_MORE) return [r, Buffer.concat(out)];
    from = p;
  }
  return [NEED_MORE, Buffer.concat(out)];
}

describe('ChunkedScanner', () => {
  it('finds the end of a chunked body followed by the next message', () => {
    const body = encode([Buffer.from('hello'), Buffer.from(' world')], 'X-T: 1\r\n');
    const wire = Buffer.concat([body, Buffer.from('HTTP/1.1 200 OK\r\n')]);
    const [end, data] = feed(wire, []);
    expect(end).toBe(body.length);
    expect(data.toString()).toBe('hello world');
  });

  it('accepts extensions and upper-case hex', () => {
    const [end, data] = feed(Buffer.from('A;foo=bar\r\n0123456789\r\n0\r\n\r\n'), []);
    expect(end).toBe(28);
    expect(data.toString()).toBe('0123456789');
  });

  it.each(['x\r\n', '5\n', '5\r\nhelloX\r\n', '\r\n', '5\r\nhello\r\n0\r\nbad\u0000\r\n\r\n', '12345678901234\r\n'])('rejects %j', (s) => {
    expect(feed(Buffer.from(s), [])[0]).toBe(MALFORMED);
  });

  it('gives the same end and payload however the bytes are split (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), fc.array(fc.nat(400), { maxLength: 12 }), (chunks, cuts) => {
        const bufs = chunks.map((c) => Buffer.from(c));
        const wire = Buffer.concat([encode(bufs), Buffer.from('NEXT')]);
        const [end, data] = feed(wire, cuts);
        expect(end).toBe(wire.length - 4);
        expect(data.equals(Buffer.concat(bufs))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
