import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseK8sLog, parseTimestamp } from './k8s-log.js';

const enc = new TextEncoder();
const text = (u: Uint8Array) => new TextDecoder().decode(u);

describe('parseK8sLog', () => {
  it('turns F records into lines and P records into partial data', () => {
    const log = enc.encode('2026-11-26T08:37:14.405732867+00:00 stdout F hello\n2026-11-26T08:37:14.405732867+00:00 stderr P par\n2026-11-26T08:37:14.5+00:00 stderr F tial\n');
    const { records, consumed, malformed } = parseK8sLog(log);
    expect(consumed).toBe(log.length);
    expect(malformed).toBe(0);
    expect(records.map((r) => [r.stream, text(r.data)])).toEqual([
      ['stdout', 'hello\n'],
      ['stderr', 'par'],
      ['stderr', 'tial\n'],
    ]);
    expect(records[0]!.end).toBe(log.indexOf(0x0a) + 1);
    expect(records[0]!.time).toBe(Date.UTC(2026, 10, 26, 8, 37, 14, 405));
  });

  it('keeps empty lines', () => {
    const { records } = parseK8sLog(enc.encode('2026-01-01T00:00:00.000000000+00:00 stdout F \n'));
    expect(records.map((r) => text(r.data))).toEqual(['\n']);
  });

  it('stops before an incomplete last line', () => {
    const full = '2026-01-01T00:00:00.1+00:00 stdout F a\n';
    const { records, consumed } = parseK8sLog(enc.encode(full + '2026-01-01T00:00:00.1+00:00 stdout F b'));
    expect(records).toHaveLength(1);
    expect(consumed).toBe(enc.encode(full).length);
  });

  it('skips malformed lines but consumes them', () => {
    const input = enc.encode('garbage\nts stdin F x\nts stdout X y\nts stdout F ok\n');
    const { records, consumed, malformed } = parseK8sLog(input);
    expect(malformed).toBe(3);
    expect(records.map((r) => text(r.data))).toEqual(['ok\n']);
    expect(consumed).toBe(input.length);
    expect(Number.isNaN(records[0]!.time)).toBe(true);
  });

  it('keeps arbitrary bytes (except newline) of the content', () => {
    const content = new Uint8Array([0, 1, 2, 0xff, 0x20, 0x46]);
    const line = new Uint8Array([...enc.encode('2026-01-01T00:00:00Z stdout P '), ...content, 0x0a]);
    expect([...parseK8sLog(line).records[0]!.data]).toEqual([...content]);
  });

  it('round-trips any output and any split of the file (property)', () => {
    const record = fc.record({
      stream: fc.constantFrom('stdout' as const, 'stderr' as const),
      full: fc.boolean(),
      content: fc.uint8Array({ maxLength: 40 }).map((a) => a.map((b) => (b === 0x0a ? 0x41 : b))),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), fc.nat(), (recs, cutSeed) => {
        const lines = recs.map((r) => new Uint8Array([...enc.encode(`2026-02-03T04:05:06.789012345+01:00 ${r.stream} ${r.full ? 'F' : 'P'} `), ...r.content, 0x0a]));
        const file = new Uint8Array(lines.reduce((n, l) => n + l.length, 0));
        let o = 0;
        for (const l of lines) {
          file.set(l, o);
          o += l.length;
        }
        // Parse in two pieces split anywhere: the first parse consumes whole lines only.
        const cut = file.length === 0 ? 0 : cutSeed % (file.length + 1);
        const first = parseK8sLog(file.subarray(0, cut));
        const second = parseK8sLog(file.subarray(first.consumed));
        const got = [...first.records, ...second.records];
        expect(got.map((r) => r.stream)).toEqual(recs.map((r) => r.stream));
        expect(got.map((r) => [...r.data])).toEqual(recs.map((r) => [...r.content, ...(r.full ? [0x0a] : [])]));
        expect(first.consumed + second.consumed).toBe(file.length);
        expect(got.every((r) => r.time === Date.UTC(2026, 1, 3, 3, 5, 6, 789))).toBe(true);
      }),
    );
  });
});

describe('parseTimestamp', () => {
  it('parses nanosecond RFC 3339 with offsets and Z', () => {
    expect(parseTimestamp('2026-11-26T08:37:14.405732867-02:30')).toBe(Date.UTC(2026, 10, 26, 11, 7, 14, 405));
    expect(parseTimestamp('2026-11-26T08:37:14Z')).toBe(Date.UTC(2026, 10, 26, 8, 37, 14));
    expect(parseTimestamp('yesterday')).toBeNaN();
  });
});
