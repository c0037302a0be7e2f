import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../contracts.js';
import { messageSeq } from './frame-seq.js';
import { advanceCursor, CursorsError, parseCursors } from './host-cursor.js';
import type { CursorMap } from './host-cursor.js';
import {
  fromSyslogMessage,
  headerSafe,
  nextSeq,
  parseProcId,
  procIdOf,
  splitLogMessage,
  STANDARD_PRIORITIES,
  streamOfMsgId,
  toSyslogMessage,
} from './log-message.js';
import { encodeRfc5424, formatRfc5424, parseRfc5424 } from './rfc5424.js';
import { SyslogParseError } from './syslog-errors.js';

const line: LogLine = {
  jobId: 'host1-0c2b7a3e-1d2f-4c5e-9a8b-7c6d5e4f3a2b',
  appId: '9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b',
  processType: 'web',
  stream: 'stdout',
  message: 'listening on 8080',
  time: Date.UTC(2024, 4, 6, 7, 8, 9, 123),
};

describe('toSyslogMessage', () => {
  it('maps a line as the original flynn-host does', () => {
    expect(formatRfc5424(toSyslogMessage(line, { hostId: 'host1', seq: 7 }))).toBe(
      '<0>1 2024-05-06T07:08:09.123Z host1 9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b web.host1-0c2b7a3e-1d2f-4c5e-9a8b-7c6d5e4f3a2b ID1 [flynn seq="7"] listening on 8080',
    );
    const { processType: _t, ...noType } = line;
    const err = toSyslogMessage({ ...noType, stream: 'stderr' }, { hostId: 'host1', seq: 8, priorities: STANDARD_PRIORITIES });
    expect(err).toMatchObject({ facility: 1, severity: 3, msgId: 'ID2', procId: line.jobId });
    expect(toSyslogMessage({ ...line, stream: 'init' }, { hostId: 'h', seq: 1 }).msgId).toBe('ID3');
  });

  it('makes header values valid instead of failing', () => {
    const m = toSyslogMessage({ ...line, appId: 'my app ✓' + 'x'.repeat(60) }, { hostId: 'bad host', seq: 1 });
    expect(m.appName).toBe(('my_app_' + '_' + 'x'.repeat(60)).slice(0, 48));
    expect(m.hostname).toBe('bad_host');
    expect(headerSafe('', 10)).toBeNull();
    expect(headerSafe('-', 10)).toBeNull();
    expect(() => formatRfc5424(m)).not.toThrow();
  });

  it('round-trips through fromSyslogMessage', () => {
    const back = fromSyslogMessage(parseRfc5424(encodeRfc5424(toSyslogMessage(line, { hostId: 'host1', seq: 99 }))));
    expect(back).toEqual({ line, seq: 99, hostId: 'host1' });
  });

  it('refuses messages without a seq or with an unknown MSGID', () => {
    expect(() => fromSyslogMessage(parseRfc5424('<0>1 2024-01-01T00:00:00Z h a p ID1 - x'))).toThrow(SyslogParseError);
    expect(() => fromSyslogMessage(parseRfc5424('<0>1 2024-01-01T00:00:00Z h a p ID9 [flynn seq="1"] x'))).toThrow(/MSGID/);
    expect(() => fromSyslogMessage(parseRfc5424('<0>1 - h a p ID1 [flynn seq="1"] x'))).toThrow(/timestamp/);
  });
});

/** Any code point except lone surrogates (fast to generate), with LF often. */
const codePoint = fc.oneof(
  fc.constant('\n'),
  fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((cp) => String.fromCodePoint(cp >= 0xd800 ? cp + 0x800 : cp)),
);

describe('helpers', () => {
  it('parses PROCID as the original (type before the first dot)', () => {
    expect(parseProcId('web.host-1')).toEqual({ processType: 'web', jobId: 'host-1' });
    expect(parseProcId('host-1')).toEqual({ jobId: 'host-1' });
    expect(parseProcId('.x')).toEqual({ jobId: '.x' });
    expect(procIdOf('j')).toBe('j');
    expect(streamOfMsgId('ID2')).toBe('stderr');
    expect(streamOfMsgId(null)).toBeUndefined();
  });

  it('numbers records above the last one and the clock in microseconds', () => {
    expect(nextSeq(0, 0)).toBe(1);
    expect(nextSeq(5, 0)).toBe(6);
    expect(nextSeq(5, 1_700_000_000_000)).toBe(1_700_000_000_000_000);
    expect(nextSeq(1_700_000_000_000_500, 1_700_000_000_000)).toBe(1_700_000_000_000_501);
    expect(nextSeq(3, Number.NaN)).toBe(4);
  });

  it('splits at LF and at the byte limit without cutting characters', () => {
    expect(splitLogMessage('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLogMessage('')).toEqual(['']);
    expect(splitLogMessage('\n\n')).toEqual(['', '']);
    expect(splitLogMessage('abcdef', 4)).toEqual(['abcd', 'ef']);
    expect(splitLogMessage('ééé', 4)).toEqual(['éé', 'é']);
    expect(splitLogMessage('😀😀', 5)).toEqual(['😀', '😀']);
  });

  it('split pieces are within the limit, have no LF, and join back to the line', () => {
    fc.assert(
      fc.property(fc.string({ unit: codePoint, maxLength: 200 }), fc.integer({ min: 4, max: 40 }), (text, max) => {
        const parts = splitLogMessage(text, max);
        const bad = parts.filter((p) => Buffer.byteLength(p) > max || p.includes('\n'));
        expect(bad).toEqual([]);
        const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
        expect(parts.join('')).toBe(lines.join(''));
        expect(parts.length).toBeGreaterThanOrEqual(lines.length);
      }),
    );
  });

  it('finds the seq without a full parse, agreeing with the parser', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.string({ unit: codePoint, maxLength: 40 }), (seq, message) => {
        const bytes = encodeRfc5424(toSyslogMessage({ ...line, message }, { hostId: 'h', seq }));
        expect(messageSeq(bytes)).toBe(seq);
      }),
    );
    expect(messageSeq(new TextEncoder().encode('<0>1 - - - - - - [flynn seq="5"]'))).toBeUndefined();
    expect(messageSeq(new TextEncoder().encode('<0>1 - - - - - [other x="1"][flynn seq="5"] m'))).toBe(5);
    expect(messageSeq(new TextEncoder().encode('garbage'))).toBeUndefined();
  });
});

describe('cursors', () => {
  it('parses the original /cursors shape', () => {
    expect(parseCursors({ host1: { time: '2024-01-01T00:00:00Z', seq: 5 }, host2: { seq: 0 } })).toEqual({
      host1: { time: '2024-01-01T00:00:00Z', seq: 5 },
      host2: { time: '', seq: 0 },
    });
    for (const bad of [null, [], 'x', { h: 1 }, { h: { seq: -1 } }, { h: { seq: 1.5 } }, { h: { seq: '3' } }]) {
      expect(() => parseCursors(bad)).toThrow(CursorsError);
    }
  });

  it('advances only forward', () => {
    const map: CursorMap = {};
    advanceCursor(map, 'h', 5, 't5');
    advanceCursor(map, 'h', 3, 't3');
    expect(map).toEqual({ h: { seq: 5, time: 't5' } });
  });
});
