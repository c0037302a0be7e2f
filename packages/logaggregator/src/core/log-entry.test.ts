import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logEntry } from '../testing/log-fixtures.js';
import { entryFromSyslog, entryToSyslog, splitProcId, timeOf, toLogMessage } from './log-entry.js';
import { encodeRfc5424, parseRfc5424, timestampToMillis } from './syslog.js';

describe('log entries', () => {
  it('reads a host message (reference §2.9) and answers with the original JSON line', () => {
    const raw = '<0>1 2024-05-06T07:08:09.123Z host-a app-1 web.host-a-job1 ID2 [flynn seq="42"] hello world';
    const e = entryFromSyslog(parseRfc5424(raw));
    expect(e).toMatchObject({ hostId: 'host-a', appId: 'app-1', seq: 42, jobId: 'host-a-job1', processType: 'web', stream: 'stderr', msg: 'hello world' });
    expect(JSON.stringify(toLogMessage(e))).toBe(
      '{"host_id":"host-a","job_id":"host-a-job1","msg":"hello world","process_type":"web","source":"app","stream":"stderr","timestamp":"2024-05-06T07:08:09.123Z"}',
    );
    expect(new TextDecoder().decode(encodeRfc5424(entryToSyslog(e)))).toBe(raw);
  });

  it('leaves out empty fields, as the original omitempty', () => {
    const e = entryFromSyslog(parseRfc5424('<0>1 2024-05-06T07:08:09Z h a job1 - [flynn seq="1"]'));
    expect(toLogMessage(e)).toEqual({ host_id: 'h', job_id: 'job1', source: 'app', stream: 'unknown', timestamp: '2024-05-06T07:08:09Z' });
  });

  it('round-trips through the syslog message it came from', () => {
    for (const fields of [{}, { processType: '', jobId: 'j' }, { msgId: null, stream: 'unknown' as const }, { msg: 'with\nnewline and ünïcode' }, { jobId: '', processType: '' }]) {
      const e = logEntry(fields);
      expect(entryFromSyslog(parseRfc5424(encodeRfc5424(entryToSyslog(e))))).toEqual(e);
    }
  });

  it('splits PROCID at the first dot, as the original', () => {
    expect(splitProcId('web.h-j.x')).toEqual({ processType: 'web', jobId: 'h-j.x' });
    expect(splitProcId('job')).toEqual({ processType: '', jobId: 'job' });
    expect(splitProcId(null)).toEqual({ processType: '', jobId: '' });
  });

  it('refuses messages that are not Flynn log lines, naming the field', () => {
    const cases: [string, string][] = [
      ['<0>1 2024-05-06T07:08:09Z - a p ID1 [flynn seq="1"] x', 'hostname'],
      ['<0>1 2024-05-06T07:08:09Z h - p ID1 [flynn seq="1"] x', 'appName'],
      ['<0>1 - h a p ID1 [flynn seq="1"] x', 'timestamp'],
      ['<0>1 2024-05-06T07:08:09Z h a p ID1 - x', 'structuredData'],
      ['<0>1 2024-05-06T07:08:09Z h a p ID1 [flynn seq="x"] x', 'structuredData'],
    ];
    for (const [raw, field] of cases) {
      expect(() => entryFromSyslog(parseRfc5424(raw))).toThrow(expect.objectContaining({ code: 'FLYNN_LOGAGGREGATOR_BAD_MESSAGE', detail: expect.objectContaining({ field }) }));
    }
  });
});

describe('timeOf', () => {
  it('agrees with the general timestamp conversion (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.constantFrom('ms', 'us', 's', 'offset'), (date, form) => {
        const iso = date.toISOString();
        const ts = form === 'ms' ? iso : form === 's' ? iso.replace(/\.\d{3}Z$/, 'Z') : form === 'us' ? iso.replace(/Z$/, '123Z') : iso.replace(/Z$/, '+02:30');
        expect(timeOf(ts)).toBe(timestampToMillis(ts));
      }),
    );
  });
});
