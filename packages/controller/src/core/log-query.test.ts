import { describe, expect, it } from 'vitest';
import { aggregatorLogQuery, parseAppLogQuery } from './log-query.js';

describe('parseAppLogQuery', () => {
  it('reads what `flynn log` sends and passes it on in the aggregator names', () => {
    const q = parseAppLogQuery({ follow: ['true'], lines: ['25'], job_id: ['host1-x'], process_type: ['web', '', 'web'], stream_types: ['stdout,stderr'] });
    expect(q).toEqual({ follow: true, lines: 25, jobId: 'host1-x', processTypes: ['web', ''], streamTypes: ['stdout', 'stderr'] });
    expect(aggregatorLogQuery(q)).toBe('follow=true&lines=25&job_id=host1-x&process_type=web&process_type=&stream_types=stdout%2Cstderr');
    expect(aggregatorLogQuery(parseAppLogQuery({ follow: ['1'] }))).toBe('');
  });

  it.each([
    [{ lines: ['-1'] }, /lines must be an integer between 0 and 10000/],
    [{ lines: ['10001'] }, /lines/],
    [{ lines: ['1e3'] }, /lines/],
    [{ stream_types: ['stdout,bogus'] }, /stream_types has an unknown stream type "bogus"/],
    [{ job_id: ['x\u0000'] }, /job_id/],
  ])('refuses %j', (params, message) => {
    expect(() => parseAppLogQuery(params)).toThrow(message);
  });
});
