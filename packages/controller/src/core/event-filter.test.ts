import { describe, expect, it } from 'vitest';
import { eventFilterSql, matchesEventFilter, parseEventQuery } from './event-filter.js';

const e = { app: 'a1', object_type: 'route', object_id: 'r1' };

describe('event filters', () => {
  it('matches by app, any of the object types, and object id', () => {
    expect(matchesEventFilter(e, {})).toBe(true);
    expect(matchesEventFilter(e, { appId: 'a1', objectTypes: ['app', 'route'], objectId: 'r1' })).toBe(true);
    expect(matchesEventFilter(e, { appId: 'a2' })).toBe(false);
    expect(matchesEventFilter(e, { objectTypes: ['app'] })).toBe(false);
    expect(matchesEventFilter(e, { objectId: 'r2' })).toBe(false);
    expect(matchesEventFilter({ object_type: 'provider', object_id: 'p' }, { appId: 'a1' })).toBe(false);
  });

  it('builds the same conditions in SQL', () => {
    expect(eventFilterSql({ appId: 'a1', objectTypes: ['route'], objectId: 'r1' }, 3)).toEqual({
      conditions: ['app_id = $3', 'object_type = ANY($4::text[])', 'object_id = $5'],
      values: ['a1', ['route'], 'r1'],
    });
  });

  it('parses the query of GET /events and rejects bad values with the field', () => {
    const q = parseEventQuery((n) => ({ app_id: 'x', object_types: 'app,route', past: 'true', count: '5', since_id: '7' })[n]);
    expect(q).toEqual({ app: 'x', objectTypes: ['app', 'route'], past: true, count: 5, sinceId: 7 });
    expect(() => parseEventQuery((n) => (n === 'count' ? 'ten' : undefined))).toThrow(/count is invalid/);
    expect(() => parseEventQuery((n) => (n === 'object_types' ? 'bogus' : undefined))).toThrow(/object_types/);
  });
});
