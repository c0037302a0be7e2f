import { describe, expect, it } from 'vitest';
import { httpDate, isNotModified, parseEtagList, rangeAllowed } from './conditional.js';

const info = { etag: 'abc+/=', modifiedAt: Date.UTC(2024, 0, 2, 3, 4, 5, 678) };

describe('conditional requests', () => {
  it('If-None-Match: weak comparison, lists and *', () => {
    expect(isNotModified({ ifNoneMatch: '"abc+/="' }, info)).toBe(true);
    expect(isNotModified({ ifNoneMatch: 'W/"abc+/="' }, info)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"x", "abc+/="' }, info)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '*' }, info)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"x"' }, info)).toBe(false);
    expect(parseEtagList('garbage')).toEqual([]);
  });

  it('If-Modified-Since counts only without If-None-Match, to the second', () => {
    expect(isNotModified({ ifModifiedSince: httpDate(info.modifiedAt) }, info)).toBe(true);
    expect(isNotModified({ ifModifiedSince: httpDate(info.modifiedAt - 1000) }, info)).toBe(false);
    expect(isNotModified({ ifNoneMatch: '"x"', ifModifiedSince: httpDate(info.modifiedAt) }, info)).toBe(false);
    expect(isNotModified({ ifModifiedSince: 'not a date' }, info)).toBe(false);
  });

  it('If-Range lets a range through only for the current version', () => {
    expect(rangeAllowed({}, info)).toBe(true);
    expect(rangeAllowed({ ifRange: '"abc+/="' }, info)).toBe(true);
    expect(rangeAllowed({ ifRange: '"old"' }, info)).toBe(false);
    expect(rangeAllowed({ ifRange: 'W/"abc+/="' }, info)).toBe(false);
    expect(rangeAllowed({ ifRange: httpDate(info.modifiedAt) }, info)).toBe(true);
    expect(rangeAllowed({ ifRange: 'nope' }, info)).toBe(false);
  });
});
