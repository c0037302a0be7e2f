import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLogQuery, parseLogQuery } from './log-query.js';
import type { LogQuery } from './log-query.js';

function paramsOf(search: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of search) (out[k] ??= []).push(v);
  return out;
}

describe('parseLogQuery', () => {
  it('reads what encodeLogQuery writes (property)', () => {
    const queryArb = fc.record({
      follow: fc.boolean(),
      lines: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
      filter: fc.record(
        {
          jobId: fc.string({ minLength: 1 }),
          processTypes: fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 3 }),
          streamTypes: fc.uniqueArray(fc.constantFrom('stdout' as const, 'stderr' as const, 'init' as const, 'unknown' as const), { minLength: 1 }),
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(queryArb, (q) => {
        const query = q as LogQuery;
        const parsed = parseLogQuery(paramsOf(new URLSearchParams(encodeLogQuery(query).toString())));
        const expected: LogQuery = { follow: query.follow, filter: { ...query.filter } };
        if (query.lines !== undefined) expected.lines = query.lines;
        expect(parsed).toEqual(expected);
      }),
    );
  });

  it('has the original defaults: no follow, no line limit, no filters', () => {
    expect(parseLogQuery({})).toEqual({ follow: false, filter: {} });
    expect(parseLogQuery({ follow: ['1'], lines: [''], job_id: [''], stream_types: [''] })).toEqual({ follow: false, filter: {} });
  });

  it('takes an empty process_type as "lines without a type" and repeated ones as alternatives', () => {
    expect(parseLogQuery({ process_type: [''] }).filter).toEqual({ processTypes: [''] });
    expect(parseLogQuery({ process_type: ['web', 'worker', 'web'] }).filter).toEqual({ processTypes: ['web', 'worker'] });
  });

  it('rejects a bad lines value or stream type with a validation error naming the field', () => {
    for (const lines of ['-1', '10001', 'abc', '1.5', ' 3', '99999999999']) {
      expect(() => parseLogQuery({ lines: [lines] })).toThrow(expect.objectContaining({ apiCode: 'validation_error', detail: expect.objectContaining({ field: 'lines' }) }));
    }
    expect(() => parseLogQuery({ stream_types: ['stdout,bogus'] })).toThrow(expect.objectContaining({ status: 400, detail: expect.objectContaining({ field: 'stream_types' }) }));
  });
});
