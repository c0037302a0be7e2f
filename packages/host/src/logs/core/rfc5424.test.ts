import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc5424, parseRfc5424, RFC5424_LIMITS } from './rfc5424.js';
import type { SdElement, SyslogMessage } from './rfc5424.js';
import { SyslogFormatError, SyslogParseError } from './syslog-errors.js';
import { isValidTimestamp, millisToTimestamp, timestampToMillis } from './syslog-timestamp.js';

const base: SyslogMessage = {
  facility: 0,
  severity: 0,
  timestamp: '2024-05-06T07:08:09.123Z',
  hostname: 'host1',
  appName: 'app',
  procId: 'web.host1-abc',
  msgId: 'ID1',
  structuredData: [{ id: 'flynn', params: [{ name: 'seq', value: '42' }] }],
  msg: 'hello world',
};

describe('formatRfc5424', () => {
  it('formats the header, structured data and message', () => {
    expect(formatRfc5424(base)).toBe('<0>1 2024-05-06T07:08:09.123Z host1 app web.host1-abc ID1 [flynn seq="42"] hello world');
    expect(formatRfc5424({ ...base, facility: 1, severity: 3, structuredData: [], msg: '' })).toBe(
      '<11>1 2024-05-06T07:08:09.123Z host1 app web.host1-abc ID1 - ',
    );
    const { msg: _msg, ...noMsg } = base;
    expect(formatRfc5424({ ...noMsg, timestamp: null, hostname: null, appName: null, procId: null, msgId: null, structuredData: [] })).toBe('<0>1 - - - - - -');
  });

  it('escapes quote, backslash and bracket in PARAM-VALUE', () => {
    const m = { ...base, structuredData: [{ id: 'x', params: [{ name: 'v', value: 'a"b\\c]d' }] }] };
    expect(formatRfc5424(m)).toContain('[x v="a\\"b\\\\c\\]d"]');
    expect(parseRfc5424(formatRfc5424(m))).toEqual(m);
  });

  it.each<[string, Partial<SyslogMessage>]>([
    ['pri', { facility: 24 }],
    ['pri', { severity: 8 }],
    ['pri', { facility: 1.5 }],
    ['timestamp', { timestamp: '2024-02-30T00:00:00Z' }],
    ['hostname', { hostname: 'a b' }],
    ['hostname', { hostname: '-' }],
    ['hostname', { hostname: '' }],
    ['hostname', { hostname: 'h'.repeat(256) }],
    ['appName', { appName: 'a'.repeat(49) }],
    ['procId', { procId: 'p'.repeat(129) }],
    ['msgId', { msgId: 'm'.repeat(33) }],
    ['msgId', { msgId: 'é' }],
    ['structuredData', { structuredData: [{ id: 'a=b', params: [] }] }],
    ['structuredData', { structuredData: [{ id: 'x', params: [{ name: 'a"', value: '' }] }] }],
    ['structuredData', { structuredData: [{ id: 'x'.repeat(33), params: [] }] }],
    ['structuredData', { structuredData: [{ id: 'x', params: [] }, { id: 'x', params: [] }] }],
  ])('rejects a bad %s', (field, patch) => {
    const err = catchErr(() => formatRfc5424({ ...base, ...patch }));
    expect(err).toBeInstanceOf(SyslogFormatError);
    expect((err as SyslogFormatError).code).toBe('FLYNN_HOST_SYSLOG_FORMAT');
    expect((err as SyslogFormatError).detail).toMatchObject({ field });
  });

  it('accepts the maximum field lengths', () => {
    const m = { ...base, hostname: 'h'.repeat(255), appName: 'a'.repeat(48), procId: 'p'.repeat(128), msgId: 'm'.repeat(32) };
    expect(parseRfc5424(formatRfc5424(m))).toEqual(m);
  });
});

describe('parseRfc5424', () => {
  it('parses the examples of RFC 5424 section 6.5', () => {
    const bom = '\uFEFF';
    const m1 = parseRfc5424(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${bom}'su root' failed for lonvick on /dev/pts/8`);
    expect(m1).toEqual({
      facility: 4,
      severity: 2,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'su',
      procId: null,
      msgId: 'ID47',
      structuredData: [],
      msg: `${bom}'su root' failed for lonvick on /dev/pts/8`,
    });
    const m2 = parseRfc5424("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
    expect(m2).toMatchObject({ facility: 20, severity: 5, timestamp: '2003-08-24T05:14:15.000003-07:00', procId: '8710', msgId: null, msg: "%% It's time to make the do-nuts." });
    const m4 = parseRfc5424(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    );
    expect(m4.structuredData).toEqual<SdElement[]>([
      {
        id: 'exampleSDID@32473',
        params: [
          { name: 'iut', value: '3' },
          { name: 'eventSource', value: 'Application' },
          { name: 'eventID', value: '1011' },
        ],
      },
      { id: 'examplePriority@32473', params: [{ name: 'class', value: 'high' }] },
    ]);
    expect(m4.msg).toBeUndefined();
  });

  it('keeps a backslash before any other character', () => {
    const m = parseRfc5424('<0>1 - - - - - [x a="c:\\dir\\"q\\]" b="\\\\"]');
    expect(m.structuredData[0]!.params).toEqual([
      { name: 'a', value: 'c:\\dir"q]' },
      { name: 'b', value: '\\' },
    ]);
  });

  it('accepts bytes and keeps invalid UTF-8 in MSG as U+FFFD', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('<0>1 - - - - - - '), 0xff, 0x41]);
    expect(parseRfc5424(bytes).msg).toBe('\uFFFDA');
  });

  it.each<[string, string]>([
    ['', 'pri'],
    ['0>1 - - - - - -', 'pri'],
    ['<>1 - - - - - -', 'pri'],
    ['<01>1 - - - - - -', 'pri'],
    ['<192>1 - - - - - -', 'pri'],
    ['<1000>1 - - - - - -', 'pri'],
    ['<0 1 - - - - - -', 'pri'],
    ['<0>2 - - - - - -', 'version'],
    ['<0>10 - - - - - -', 'version'],
    ['<0>1', 'version'],
    ['<0>1 2024-13-01T00:00:00Z - - - - -', 'timestamp'],
    ['<0>1 2024-01-01t00:00:00Z - - - - -', 'timestamp'],
    ['<0>1 2024-01-01T00:00:60Z - - - - -', 'timestamp'],
    ['<0>1 2024-01-01T00:00:00.1234567Z - - - - -', 'timestamp'],
    ['<0>1 2024-01-01T00:00:00 - - - - -', 'timestamp'],
    ['<0>1 2023-02-29T00:00:00Z - - - - -', 'timestamp'],
    ['<0>1 -  - - - -', 'hostname'],
    [`<0>1 - ${'h'.repeat(256)} - - - -`, 'hostname'],
    [`<0>1 - - ${'a'.repeat(49)} - - -`, 'appName'],
    [`<0>1 - - - ${'p'.repeat(129)} - -`, 'procId'],
    [`<0>1 - - - - ${'m'.repeat(33)} -`, 'msgId'],
    ['<0>1 - - - - -', 'msgId'],
    ['<0>1 - - - - - ', 'structuredData'],
    ['<0>1 - - - - - x', 'structuredData'],
    ['<0>1 - - - - - -x', 'structuredData'],
    ['<0>1 - - - - - []', 'structuredData'],
    ['<0>1 - - - - - [x', 'structuredData'],
    ['<0>1 - - - - - [x a]', 'structuredData'],
    ['<0>1 - - - - - [x a=b]', 'structuredData'],
    ['<0>1 - - - - - [x a="b]', 'structuredData'],
    ['<0>1 - - - - - [x a="b]"]', 'structuredData'],
    ['<0>1 - - - - - [x][x]', 'structuredData'],
    ['<0>1 - - - - - [x] [y]', 'msg'],
  ])('rejects %j (%s)', (text, field) => {
    if (field === 'msg') {
      // Not an error: after SD and SP everything is MSG.
      expect(parseRfc5424(text).msg).toBe('[y]');
      return;
    }
    const err = catchErr(() => parseRfc5424(text));
    expect(err).toBeInstanceOf(SyslogParseError);
    expect((err as SyslogParseError).field).toBe(field);
    expect((err as SyslogParseError).code).toBe('FLYNN_HOST_SYSLOG_PARSE');
  });

  it('rejects a PARAM-VALUE that is not UTF-8', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('<0>1 - - - - - [x a="'), 0xc3, 0x28, ...new TextEncoder().encode('"]')]);
    expect(() => parseRfc5424(bytes)).toThrow(SyslogParseError);
  });
});

describe('timestamps', () => {
  it('converts offsets and fractions', () => {
    expect(timestampToMillis('2003-08-24T05:14:15.000003-07:00')).toBe(Date.UTC(2003, 7, 24, 12, 14, 15, 0));
    expect(timestampToMillis('1985-04-12T23:20:50.52Z')).toBe(Date.UTC(1985, 3, 12, 23, 20, 50, 520));
    expect(timestampToMillis('0001-01-01T00:00:00Z')).toBe(-62135596800000);
    expect(millisToTimestamp(Date.UTC(2024, 1, 29, 1, 2, 3, 4))).toBe('2024-02-29T01:02:03.004Z');
    expect(isValidTimestamp('2024-02-29T00:00:00+23:59')).toBe(true);
    expect(isValidTimestamp('2024-02-29T00:00:00+24:00')).toBe(false);
    expect(() => millisToTimestamp(Number.NaN)).toThrow(SyslogFormatError);
    expect(() => millisToTimestamp(253402300800000)).toThrow(SyslogFormatError);
  });

  it('round-trips any millisecond time of years 0-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => {
        expect(timestampToMillis(millisToTimestamp(ms))).toBe(ms);
      }),
    );
  });
});

// ------------------------------------------------------------- properties

const printable = (max: number) =>
  fc.string({ unit: fc.integer({ min: 33, max: 126 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: max }).filter((s) => s !== '-');
const sdName = fc.string({ unit: fc.constantFrom(...'abcXYZ09@._-:!#$%&\'()*+,/;<>?[\\^`{|}~'.split('')), minLength: 1, maxLength: 32 });
/** Any code point, biased towards the characters that need escaping or end fields. */
const textUnit = fc.oneof(fc.constantFrom('"', '\\', ']', '[', '=', ' ', '-', '\n', '\uFEFF'), fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((cp) => String.fromCodePoint(cp >= 0xd800 ? cp + 0x800 : cp)));
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const timestampArb = fc
  .record({
    ms: fc.integer({ min: -62167219200000, max: 253402300799999 }),
    frac: fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
    offset: fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`)),
  })
  .map(({ ms, frac, offset }) => new Date(ms).toISOString().slice(0, 19) + (frac === undefined ? '' : `.${frac}`) + offset);

const sdArb = fc.uniqueArray(
  fc.record({ id: sdName, params: fc.array(fc.record({ name: sdName, value: fc.string({ unit: textUnit, maxLength: 20 }) }), { maxLength: 4 }) }),
  { selector: (e) => e.id, maxLength: 3 },
);

const messageArb: fc.Arbitrary<SyslogMessage> = fc
  .record({
    facility: fc.integer({ min: 0, max: 23 }),
    severity: fc.integer({ min: 0, max: 7 }),
    timestamp: nullable(timestampArb),
    hostname: nullable(printable(RFC5424_LIMITS.hostname)),
    appName: nullable(printable(RFC5424_LIMITS.appName)),
    procId: nullable(printable(RFC5424_LIMITS.procId)),
    msgId: nullable(printable(RFC5424_LIMITS.msgId)),
    structuredData: sdArb,
    msg: fc.option(fc.string({ unit: textUnit, maxLength: 60 }), { nil: undefined }),
  })
  .map(({ msg, ...m }) => (msg === undefined ? m : { ...m, msg }));

describe('properties', () => {
  it('parse(format(m)) = m', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(parseRfc5424(formatRfc5424(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it('garbage and mutated messages only ever throw SyslogParseError', () => {
    const mutated = fc.tuple(messageArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([m, edits]) => {
      const bytes = new TextEncoder().encode(formatRfc5424(m));
      for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
      return bytes;
    });
    const truncated = fc.tuple(messageArb, fc.nat()).map(([m, n]) => {
      const bytes = new TextEncoder().encode(formatRfc5424(m));
      return bytes.subarray(0, n % (bytes.length + 1));
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated, truncated), (bytes) => {
        try {
          parseRfc5424(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(SyslogParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
