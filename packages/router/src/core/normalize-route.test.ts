import { FlynnError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { normalizePath, normalizeRoute } from './normalize-route.js';

describe('normalizeRoute', () => {
  it('fills defaults and lower-cases the domain', () => {
    expect(normalizeRoute({ type: 'http', id: 'r1', service: 'web', domain: 'App.Example.com' })).toEqual({
      type: 'http',
      id: 'r1',
      service: 'web',
      domain: 'app.example.com',
      port: 0,
      path: '/',
    });
  });

  it('keeps flags, certificate and metadata', () => {
    const cert = { id: 'c', cert: '-----BEGIN CERTIFICATE-----x', key: '-----BEGIN PRIVATE KEY-----y' };
    const r = normalizeRoute({
      type: 'http', id: 'r', service: 's', domain: 'a.b', port: 8081, path: '/api', sticky: true, leader: false,
      drain_backends: true, disable_keep_alives: true, certificate: cert, parent_ref: 'controller/apps/x', created_at: 't',
    });
    expect(r).toMatchObject({ port: 8081, path: '/api/', sticky: true, leader: false, drain_backends: true, disable_keep_alives: true, certificate: cert, parent_ref: 'controller/apps/x' });
  });

  it('refuses TCP routes on 80 and 443, and bad ports', () => {
    for (const port of [80, 443, 0, -1, 65536, 1.5, '3000']) {
      expect(() => normalizeRoute({ type: 'tcp', id: 't', service: 's', port })).toThrow(/port/);
    }
    expect(normalizeRoute({ type: 'tcp', id: 't', service: 's', port: 3000, leader: true })).toEqual({ type: 'tcp', id: 't', service: 's', port: 3000, leader: true });
  });

  it('throws validation errors with a field', () => {
    const cases: unknown[] = [
      null, [], 'x', { type: 'udp', id: 'x', service: 's' },
      { type: 'http', id: '', service: 's', domain: 'a' },
      { type: 'http', id: 'x', service: 'Bad_Name', domain: 'a' },
      { type: 'http', id: 'x', service: 's', domain: '' },
      { type: 'http', id: 'x', service: 's', domain: 'a:80' },
      { type: 'http', id: 'x', service: 's', domain: 'a', path: 'nope' },
      { type: 'http', id: 'x', service: 's', domain: 'a', path: '/a b' },
      { type: 'http', id: 'x', service: 's', domain: 'a', sticky: 'yes' },
      { type: 'http', id: 'x', service: 's', domain: 'a', certificate: { cert: 'x', key: 'y' } },
    ];
    for (const c of cases) {
      let err: unknown;
      try {
        normalizeRoute(c);
      } catch (e) {
        err = e;
      }
      expect(FlynnError.is(err), JSON.stringify(c)).toBe(true);
      expect((err as FlynnError).code).toBe('FLYNN_ROUTER_INVALID_ROUTE');
      expect((err as FlynnError).status).toBe(400);
    }
  });
});

describe('normalizePath', () => {
  it('defaults to / and adds the trailing slash', () => {
    expect(normalizePath(undefined)).toBe('/');
    expect(normalizePath('')).toBe('/');
    expect(normalizePath('/a')).toBe('/a/');
    expect(normalizePath('/a/b/')).toBe('/a/b/');
  });
});
