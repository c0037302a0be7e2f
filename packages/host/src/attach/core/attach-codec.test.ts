import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttachFrame } from './attach-codec.js';
import { encodeData, encodeEof, encodeError, encodeExit, encodeFrame, encodeResize, encodeSignal, encodeState } from './attach-codec.js';
import { AttachDecoder } from './attach-decoder.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('attach codec: byte layout of reference §2.10', () => {
  it('encodes every frame as the original does', () => {
    expect(encodeState('success')).toEqual(bytes(0));
    expect(encodeState('waiting')).toEqual(bytes(1));
    expect(encodeData(1, bytes(0x68, 0x69))).toEqual(bytes(3, 1, 0, 0, 0, 2, 0x68, 0x69));
    expect(encodeEof(2)).toEqual(bytes(3, 2, 0, 0, 0, 0));
    expect(encodeSignal(2)).toEqual(bytes(4, 0, 0, 0, 2));
    expect(encodeExit(130)).toEqual(bytes(5, 0, 0, 0, 130));
    expect(encodeExit(0x01020304)).toEqual(bytes(5, 1, 2, 3, 4));
    expect(encodeResize(24, 80)).toEqual(bytes(6, 0, 24, 0, 80));
    expect(encodeError('no')).toEqual(bytes(2, 0, 0, 0, 2, 0x6e, 0x6f));
  });

  it('decodes what clients send on the server side', () => {
    const d = new AttachDecoder({ side: 'server' });
    expect(d.push(bytes(3, 0, 0, 0, 0, 3, 97, 98, 99, 4, 0, 0, 0, 15, 6, 0, 40, 0, 120))).toEqual([
      { type: 'data', stream: 0, data: bytes(97, 98, 99) },
      { type: 'signal', signal: 15 },
      { type: 'resize', height: 40, width: 120 },
    ]);
    expect(d.err).toBeUndefined();
  });

  it('waits for whole frames across pushes', () => {
    const d = new AttachDecoder({ side: 'client' });
    expect(d.push(bytes(1, 0, 3, 1, 0, 0))).toEqual([{ type: 'waiting' }, { type: 'success' }]);
    expect(d.push(bytes(0, 2, 104))).toEqual([]);
    expect(d.buffered).toBe(7);
    expect(d.push(bytes(105, 5, 0, 0))).toEqual([{ type: 'data', stream: 1, data: bytes(104, 105) }]);
    expect(d.push(bytes(0, 7))).toEqual([{ type: 'exit', code: 7 }]);
  });

  it('rejects frames the side cannot receive, unknown types and streams, oversized payloads (sticky)', () => {
    const server = new AttachDecoder({ side: 'server' });
    expect(server.push(bytes(5, 0, 0, 0, 1))).toEqual([]);
    expect(server.err).toMatch(/unexpected attach frame type 5/);
    expect(server.push(encodeSignal(1))).toEqual([]);
    const client = new AttachDecoder({ side: 'client' });
    client.push(bytes(9));
    expect(client.err).toMatch(/unexpected attach frame type 9/);
    const streams = new AttachDecoder({ side: 'server' });
    streams.push(bytes(3, 7, 0, 0, 0, 0));
    expect(streams.err).toMatch(/unknown stream 7/);
    const big = new AttachDecoder({ side: 'server', maxPayloadBytes: 10 });
    big.push(bytes(3, 0, 0, 0, 0, 11));
    expect(big.err).toMatch(/exceeds 10/);
  });

  const payload = fc.uint8Array({ maxLength: 64 });
  const serverBound: fc.Arbitrary<AttachFrame> = fc.oneof(
    fc.record({ type: fc.constant('data' as const), stream: fc.constant(0 as const), data: payload }),
    fc.record({ type: fc.constant('signal' as const), signal: fc.nat({ max: 0xffffffff }) }),
    fc.record({ type: fc.constant('resize' as const), height: fc.nat({ max: 0xffff }), width: fc.nat({ max: 0xffff }) }),
  );
  const clientBound: fc.Arbitrary<AttachFrame> = fc.oneof(
    fc.constant({ type: 'success' as const }),
    fc.constant({ type: 'waiting' as const }),
    fc.record({ type: fc.constant('data' as const), stream: fc.constantFrom(1 as const, 2 as const, 3 as const), data: payload }),
    fc.record({ type: fc.constant('exit' as const), code: fc.nat({ max: 0xffffffff }) }),
    fc.record({ type: fc.constant('error' as const), message: fc.string({ maxLength: 40 }) }),
  );

  function roundTrip(side: 'server' | 'client', frames: AttachFrame[], cuts: number[]): AttachFrame[] {
    const all = Uint8Array.from(frames.flatMap((f) => [...encodeFrame(f)]));
    const d = new AttachDecoder({ side });
    const out: AttachFrame[] = [];
    let pos = 0;
    for (const c of cuts) {
      const end = Math.min(all.length, pos + c);
      out.push(...d.push(all.slice(pos, end)));
      pos = end;
    }
    out.push(...d.push(all.slice(pos)));
    expect(d.err).toBeUndefined();
    expect(d.buffered).toBe(0);
    return out;
  }

  it('round-trips any frame sequence under any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(serverBound, { maxLength: 20 }), fc.array(fc.nat(16), { maxLength: 40 }), (frames, cuts) => {
        expect(roundTrip('server', frames, cuts)).toEqual(frames);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(clientBound, { maxLength: 20 }), fc.array(fc.nat(16), { maxLength: 40 }), (frames, cuts) => {
        expect(roundTrip('client', frames, cuts)).toEqual(frames);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 32 }), { maxLength: 10 }), fc.constantFrom('server' as const, 'client' as const), (chunks, side) => {
        const d = new AttachDecoder({ side, maxPayloadBytes: 1024 });
        for (const c of chunks) d.push(c);
      }),
      { numRuns: 500 },
    );
  });
});
