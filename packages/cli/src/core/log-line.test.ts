import { describe, expect, it } from 'vitest';
import { formatLogLine, formatLogTimestamp, LineSplitter, logQuery, parseLogLine } from './log-line.js';

describe('log lines', () => {
  it("builds the original's query", () => {
    expect(logQuery({})).toEqual({ stream_types: 'stdout,stderr' });
    expect(logQuery({ follow: true, jobId: 'j1', lines: 0, processType: '', streamTypes: ['stdout', 'stderr', 'init'] })).toEqual({
      follow: 'true',
      job_id: 'j1',
      lines: '0',
      process_type: '',
      stream_types: 'stdout,stderr,init',
    });
  });

  it('prints the original line format with microsecond stamps in their own offset', () => {
    const m = { msg: 'listening', timestamp: '2015-05-06T21:58:12.751741123Z', source: 'app', process_type: 'web', job_id: 'host-1', stream: 'stdout' };
    expect(formatLogLine(m)).toBe('2015-05-06T21:58:12.751741Z app[web.host-1]: listening');
    expect(formatLogLine(m, true)).toBe('listening');
    expect(formatLogTimestamp('2015-05-06T21:58:12+02:00')).toBe('2015-05-06T21:58:12.000000+02:00');
    expect(formatLogTimestamp('not a time')).toBe('not a time');
    expect(formatLogLine({ msg: 'x' })).toBe(' app[.]: x');
  });

  it('splits newline-delimited JSON across chunk boundaries', () => {
    const s = new LineSplitter();
    expect(s.push('{"msg":"a"}\n{"ms')).toEqual(['{"msg":"a"}']);
    expect(s.push('g":"b"}\r\n\n{"msg"')).toEqual(['{"msg":"b"}', '']);
    expect(s.flush()).toEqual(['{"msg"']);
    expect(s.flush()).toEqual([]);
    expect(parseLogLine('{"msg":"b","stream":"stderr"}')).toEqual({ msg: 'b', stream: 'stderr' });
    expect(parseLogLine('')).toBeUndefined();
    expect(parseLogLine('{"msg":1}')).toBeUndefined();
    expect(parseLogLine('nope')).toBeUndefined();
  });
});
