import { describe, expect, it } from 'vitest';
import { normalizeDomain, normalizeRoutePath, parseRouteInput, splitRouteId } from './route-input.js';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return { status: (err as { status: number }).status, detail: (err as { detail: unknown }).detail, message: (err as Error).message };
  }
  return 'no error';
}

describe('route input', () => {
  it('normalises paths to a trailing slash and rejects invalid ones', () => {
    expect(normalizeRoutePath('')).toBe('/');
    expect(normalizeRoutePath('/api')).toBe('/api/');
    expect(normalizeRoutePath('/api/v1/')).toBe('/api/v1/');
    for (const bad of ['api', '/a b', '/a\u0001', ' /']) expect(() => normalizeRoutePath(bad), bad).toThrow(/path is not valid/);
  });

  it('lower-cases domains and allows wildcards', () => {
    expect(normalizeDomain('Example.COM.')).toBe('example.com');
    expect(normalizeDomain('*.example.com')).toBe('*.example.com');
    expect(normalizeDomain('*')).toBe('*');
    for (const bad of ['', 'a..b', 'exa mple.com', 'a.*.b', '-a.com.-']) expect(() => normalizeDomain(bad), bad).toThrow(/domain/);
  });

  it('parses HTTP and TCP routes with defaults', () => {
    expect(parseRouteInput({ type: 'http', service: 'web', domain: 'A.com', path: '/x' })).toEqual({
      type: 'http',
      service: 'web',
      domain: 'a.com',
      port: 0,
      path: '/x/',
      leader: false,
      sticky: false,
      disableKeepAlives: false,
    });
    expect(parseRouteInput({ type: 'tcp', service: 'db', drain_backends: true })).toEqual({ type: 'tcp', service: 'db', port: 0, leader: false, drainBackends: true });
  });

  it('rejects bad routes with the offending field', () => {
    expect(fieldOf(() => parseRouteInput({ type: 'udp', service: 'x' }))).toMatchObject({ status: 400, detail: { field: 'type' } });
    expect(fieldOf(() => parseRouteInput({ type: 'http', service: '' }))).toMatchObject({ status: 400, detail: { field: 'service' } });
    expect(fieldOf(() => parseRouteInput({ type: 'http', service: 'x' }))).toMatchObject({ status: 400, detail: { field: 'domain' } });
    expect(fieldOf(() => parseRouteInput({ type: 'tcp', service: 'x', domain: 'a.com' }))).toMatchObject({ status: 400, detail: { field: 'domain' } });
    expect(fieldOf(() => parseRouteInput({ type: 'tcp', service: 'x', port: 70000 }))).toMatchObject({ status: 400, detail: { field: 'port' } });
    expect(fieldOf(() => parseRouteInput({ type: 'http', service: 'x', domain: 'a.com', bogus: 1 }))).toMatchObject({ status: 400, detail: { field: 'bogus' } });
  });

  it('refuses TCP routes on the HTTP ports with a 409 like the original', () => {
    expect(fieldOf(() => parseRouteInput({ type: 'tcp', service: 'x', port: 443 }))).toMatchObject({ status: 409, message: 'Port reserved for HTTP/HTTPS traffic' });
  });

  it('splits formatted route ids', () => {
    expect(splitRouteId('http/abc')).toEqual({ type: 'http', id: 'abc' });
    expect(splitRouteId('abc')).toBeUndefined();
  });
});
