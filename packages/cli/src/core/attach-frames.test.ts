import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from './attach-frames.js';
import { encodeResize, encodeSignal, encodeStdin, encodeStdinEof, ServerFrameDecoder } from './attach-frames.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

function encodeServer(f: ServerFrame): Uint8Array {
  switch (f.type) {
    case 'success':
      return bytes(0);
    case 'waiting':
      return bytes(1);
    case 'exit':
      return bytes(5, (f.code >>> 24) & 255, (f.code >>> 16) & 255, (f.code >>> 8) & 255, f.code & 255);
    case 'error': {
      const m = new TextEncoder().encode(f.message);
      return bytes(2, 0, 0, (m.length >> 8) & 255, m.length & 255, ...m);
    }
    case 'data':
      return bytes(3, f.stream, 0, 0, (f.data.length >> 8) & 255, f.data.length & 255, ...f.data);
  }
}

describe('attach frames (reference §2.10)', () => {
  it('encodes what the client sends', () => {
    expect(encodeStdin(bytes(104, 105))).toEqual(bytes(3, 0, 0, 0, 0, 2, 104, 105));
    expect(encodeStdinEof()).toEqual(bytes(3, 0, 0, 0, 0, 0));
    expect(encodeSignal(15)).toEqual(bytes(4, 0, 0, 0, 15));
    expect(encodeResize(24, 80)).toEqual(bytes(6, 0, 24, 0, 80));
  });

  it('decodes server frames split anywhere (property)', () => {
    const frame: fc.Arbitrary<ServerFrame> = fc.oneof(
      fc.constant({ type: 'success' as const }),
      fc.constant({ type: 'waiting' as const }),
      fc.record({ type: fc.constant('data' as const), stream: fc.constantFrom(1 as const, 2 as const, 3 as const), data: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ type: fc.constant('exit' as const), code: fc.nat({ max: 0xffffffff }) }),
      fc.record({ type: fc.constant('error' as const), message: fc.string({ maxLength: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 12 }), fc.array(fc.nat(9), { maxLength: 30 }), (frames, cuts) => {
        const all = Uint8Array.from(frames.flatMap((f) => [...encodeServer(f)]));
        const d = new ServerFrameDecoder();
        const out: ServerFrame[] = [];
        let pos = 0;
        for (const c of cuts) {
          out.push(...d.push(all.slice(pos, pos + c)));
          pos = Math.min(all.length, pos + c);
        }
        out.push(...d.push(all.slice(pos)));
        expect(d.err).toBeUndefined();
        expect(out).toEqual(frames);
      }),
      { numRuns: 300 },
    );
  });

  it('stops at frames a server never sends (sticky error)', () => {
    const d = new ServerFrameDecoder();
    expect(d.push(bytes(3, 1, 0, 0, 0, 1, 65, 9, 1))).toEqual([{ type: 'data', stream: 1, data: bytes(65) }]);
    expect(d.err).toMatch(/unexpected attach frame type 9/);
    expect(d.push(bytes(0))).toEqual([]);
    const s = new ServerFrameDecoder();
    s.push(bytes(3, 0, 0, 0, 0, 0));
    expect(s.err).toMatch(/unexpected stream 0/);
  });
});
