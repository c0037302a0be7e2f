import { describe, expect, it } from 'vitest';
import { normalizeDomain, normalizeHost } from './host.js';

describe('normalizeHost', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['EXAMPLE.com:80', 'example.com'],
    ['example.com.', 'example.com'],
    ['example.com.:443', 'example.com'],
    ['a_b.local', 'a_b.local'],
    ['127.0.0.1:3000', '127.0.0.1'],
    ['[::1]', '[::1]'],
    ['[::1]:8080', '[::1]'],
    ['[FE80::1]', '[fe80::1]'],
  ])('%s → %s', (raw, want) => {
    expect(normalizeHost(raw)).toBe(want);
  });

  it.each(['', ':80', 'exa mple.com', 'a..b', '.a', 'a:b', 'a:', 'a:123456', 'a/b', 'ä.com', '[::1', '[zz]', '[::1]x', 'a\u0000b', '.'])(
    'rejects %j',
    (raw) => {
      expect(normalizeHost(raw)).toBeUndefined();
    },
  );
});

describe('normalizeDomain', () => {
  it('accepts names, wildcards and the catch-all, lower-cased', () => {
    expect(normalizeDomain('Example.com')).toEqual({ domain: 'example.com' });
    expect(normalizeDomain('*.Example.com')).toEqual({ domain: '*.example.com' });
    expect(normalizeDomain('*')).toEqual({ domain: '*' });
  });
  it('rejects ports, bad characters and stray stars', () => {
    for (const d of ['example.com:80', 'a b', '*example.com', 'a.*.b', '**.a', '[::1]']) expect(normalizeDomain(d)).toHaveProperty('error');
  });
});
