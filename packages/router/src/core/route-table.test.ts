import { FlynnError } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteTable, sortRoutes } from './route-table.js';
import type { HttpRoute, Route } from './types.js';

const http = (id: string, domain: string, path = '/', extra: Partial<HttpRoute> = {}): HttpRoute => ({ type: 'http', id, service: `svc-${id}`, domain, path, ...extra });

function table(routes: Route[], defaultPorts = [80, 443]): RouteTable<string> {
  const t = new RouteTable<string>({ defaultPorts });
  for (const r of routes) t.set(r, r.id);
  return t;
}

const match = (t: RouteTable<string>, host: string, path: string, port = 80) => t.matchHttp(host, port, path)?.data;

describe('RouteTable lookup', () => {
  const t = table([
    http('root', 'example.com'),
    http('api', 'example.com', '/api/'),
    http('apiv2', 'example.com', '/api/v2/'),
    http('wild', '*.example.com'),
    http('wild-deep', '*.b.example.com'),
    http('all', '*'),
    http('alt-port', 'example.com', '/', { port: 8081 }),
  ]);

  it('prefers exact, then the most specific wildcard, then the catch-all', () => {
    expect(match(t, 'example.com', '/')).toBe('root');
    expect(match(t, 'a.example.com', '/')).toBe('wild');
    expect(match(t, 'a.b.example.com', '/')).toBe('wild-deep');
    expect(match(t, 'x.a.b.example.com', '/')).toBe('wild-deep');
    expect(match(t, 'b.example.com', '/')).toBe('wild');
    expect(match(t, 'other.org', '/')).toBe('all');
  });

  it('does not let a wildcard match its own apex', () => {
    const only = table([http('w', '*.example.com')]);
    expect(match(only, 'example.com', '/')).toBeUndefined();
    expect(match(only, 'www.example.com', '/')).toBe('w');
  });

  it('lets * stand for at most 5 labels', () => {
    const only = table([http('w', '*.example.com')]);
    expect(match(only, 'a.b.c.d.e.example.com', '/')).toBe('w');
    expect(match(only, 'a.b.c.d.e.f.example.com', '/')).toBeUndefined();
  });

  it('matches the longest path prefix by segment', () => {
    expect(match(t, 'example.com', '/api')).toBe('api');
    expect(match(t, 'example.com', '/api/')).toBe('api');
    expect(match(t, 'example.com', '/api?x=1')).toBe('api');
    expect(match(t, 'example.com', '/api/users')).toBe('api');
    expect(match(t, 'example.com', '/api/v2')).toBe('apiv2');
    expect(match(t, 'example.com', '/api/v2/x?y')).toBe('apiv2');
    expect(match(t, 'example.com', '/apis')).toBe('root');
    expect(match(t, 'example.com', '/?q=/api/')).toBe('root');
    expect(match(t, 'example.com', '//api//v2')).toBe('apiv2');
  });

  it('collapses default listener ports to 0 and keeps explicit ports apart', () => {
    expect(match(t, 'example.com', '/', 443)).toBe('root');
    expect(match(t, 'example.com', '/', 8081)).toBe('alt-port');
    expect(match(t, 'a.example.com', '/', 8081)).toBeUndefined();
  });

  it('matches TCP routes by port', () => {
    const tt = table([{ type: 'tcp', id: 't1', service: 'db', port: 3000 }]);
    expect(tt.matchTcp(3000)?.data).toBe('t1');
    expect(tt.matchTcp(3001)).toBeUndefined();
  });
});

describe('RouteTable validation', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return FlynnError.is(err) ? `${err.code} ${err.status}` : String(err);
    }
    return 'ok';
  };

  it('refuses duplicates with a conflict, allows replacing the same id', () => {
    const t = table([http('a', 'example.com')]);
    expect(code(() => t.set(http('b', 'EXAMPLE.com'), 'b'))).toBe('FLYNN_ROUTER_CONFLICT 409');
    expect(code(() => t.set(http('a', 'example.com', '/', { service: 'other' }), 'a2'))).toBe('ok');
    expect(t.get('a')?.route.service).toBe('other');
    expect(code(() => t.set({ type: 'tcp', id: 't1', service: 's', port: 3000 }, 't1'))).toBe('ok');
    expect(code(() => t.set({ type: 'tcp', id: 't2', service: 's', port: 3000 }, 't2'))).toBe('FLYNN_ROUTER_CONFLICT 409');
  });

  it('treats an explicit default port as port 0 for duplicates', () => {
    const t = table([http('a', 'example.com')]);
    expect(code(() => t.set(http('b', 'example.com', '/', { port: 443 }), 'b'))).toBe('FLYNN_ROUTER_CONFLICT 409');
  });

  it('needs a root route for a sub-path, and keeps it while sub-paths exist', () => {
    const t = table([]);
    expect(code(() => t.set(http('p', 'example.com', '/x/'), 'p'))).toBe('FLYNN_ROUTER_INVALID_ROUTE 400');
    t.set(http('r', 'example.com'), 'r');
    t.set(http('p', 'example.com', '/x/'), 'p');
    expect(code(() => t.remove('r'))).toBe('FLYNN_ROUTER_CONFLICT 409');
    expect(code(() => t.set(http('r', 'other.com'), 'r'))).toBe('FLYNN_ROUTER_CONFLICT 409');
    t.remove('p');
    t.remove('r');
    expect(t.size).toBe(0);
    expect(code(() => t.remove('r'))).toBe('FLYNN_ROUTER_NOT_FOUND 404');
  });

  it('refuses TCP routes on 80/443', () => {
    expect(code(() => table([]).set({ type: 'tcp', id: 't', service: 's', port: 443 }, 't'))).toBe('FLYNN_ROUTER_INVALID_ROUTE 400');
  });

  it('moves a route when its id is set with a new domain', () => {
    const t = table([http('a', 'one.com')]);
    t.set(http('a', 'two.com'), 'a');
    expect(match(t, 'one.com', '/')).toBeUndefined();
    expect(match(t, 'two.com', '/')).toBe('a');
  });

  it('lists routes with every root before its sub-paths', () => {
    const routes = sortRoutes([http('p', 'a.com', '/x/'), { type: 'tcp', id: 't', service: 's', port: 3000 }, http('r', 'a.com')]);
    expect(routes.map((r) => r.id)).toEqual(['r', 'p', 't']);
  });
});

// ---- property: the table agrees with a naive matcher ----

const LABELS = ['a', 'b', 'c', 'example', 'com'];
const SEGS = ['x', 'y', 'api', 'v2'];
const DEFAULT_PORTS = [8080, 8443];

const label = fc.constantFrom(...LABELS);
const hostArb = fc.array(label, { minLength: 1, maxLength: 8 }).map((ls) => ls.join('.'));
const domainArb = fc.oneof(hostArb, hostArb.map((h) => `*.${h}`), fc.constant('*'));
const pathArb = fc.array(fc.constantFrom(...SEGS), { maxLength: 3 }).map((s) => (s.length ? `/${s.join('/')}/` : '/'));
const portArb = fc.constantFrom(0, 8080, 8443, 9000);
const routeArb = fc.record({ domain: domainArb, path: pathArb, port: portArb });
const targetArb = fc
  .tuple(fc.array(fc.constantFrom(...SEGS, 'apis', ''), { maxLength: 4 }), fc.boolean(), fc.option(fc.constantFrom('q=1', 'u=/api/x', 'a=//b')))
  .map(([segs, slash, q]) => `/${segs.join('/')}${slash && segs.length ? '/' : ''}${q ? `?${q}` : ''}`);

const portKey = (p: number) => (p === 0 || DEFAULT_PORTS.includes(p) ? 0 : p);
const segments = (p: string) => p.split('?')[0]!.split('/').filter((s) => s !== '');

function naiveMatch(routes: HttpRoute[], host: string, port: number, target: string): HttpRoute | undefined {
  const candidates = routes.filter((r) => portKey(r.port ?? 0) === portKey(port));
  const domains = new Set(candidates.map((r) => r.domain));
  let domain: string | undefined;
  if (domains.has(host)) domain = host;
  else {
    const labels = host.split('.');
    for (let k = 1; k <= Math.min(5, labels.length - 1) && !domain; k++) {
      const w = `*.${labels.slice(k).join('.')}`;
      if (domains.has(w)) domain = w;
    }
    if (!domain && domains.has('*')) domain = '*';
  }
  if (!domain) return undefined;
  const want = segments(target);
  let best: HttpRoute | undefined;
  for (const r of candidates) {
    if (r.domain !== domain) continue;
    const segs = segments(r.path ?? '/');
    if (segs.length > want.length || segs.some((s, i) => want[i] !== s)) continue;
    if (!best || segs.length > segments(best.path ?? '/').length) best = r;
  }
  return best;
}

describe('RouteTable properties', () => {
  it('matches exactly like a naive scan of all routes', () => {
    fc.assert(
      fc.property(fc.array(routeArb, { maxLength: 25 }), fc.array(fc.tuple(hostArb, portArb, targetArb), { minLength: 1, maxLength: 20 }), (specs, requests) => {
        const t = new RouteTable<HttpRoute>({ defaultPorts: DEFAULT_PORTS });
        const candidates = sortRoutes(specs.map((s, i) => http(`r${i}`, s.domain, s.path, { port: s.port })));
        for (const r of candidates) {
          try {
            t.set(r, r as HttpRoute);
          } catch (err) {
            if (!FlynnError.is(err)) throw err;
          }
        }
        const accepted = t.routes() as HttpRoute[];
        for (const [host, port, target] of requests) {
          const got = t.matchHttp(host, port, target)?.route.id;
          const want = naiveMatch(accepted, host, port, target)?.id;
          expect(got, `${host}:${port}${target}`).toBe(want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps lookups consistent through random set/remove sequences', () => {
    const op = fc.oneof(
      routeArb.map((r) => ({ kind: 'set' as const, ...r, id: 0 })),
      fc.nat(30).map((id) => ({ kind: 'remove' as const, id })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(op, fc.nat(30)), { maxLength: 60 }), fc.array(fc.tuple(hostArb, portArb, targetArb), { maxLength: 10 }), (ops, requests) => {
        const t = new RouteTable<HttpRoute>({ defaultPorts: DEFAULT_PORTS });
        for (const [o, id] of ops) {
          try {
            if (o.kind === 'set') t.set(http(`r${id}`, o.domain, o.path, { port: o.port }), http(`r${id}`, o.domain, o.path, { port: o.port }));
            else t.remove(`r${o.id}`);
          } catch (err) {
            if (!FlynnError.is(err)) throw err;
          }
        }
        const accepted = t.routes() as HttpRoute[];
        // invariant: every sub-path route has its root
        for (const r of accepted) {
          if (r.path !== '/') expect(accepted.some((x) => x.domain === r.domain && portKey(x.port ?? 0) === portKey(r.port ?? 0) && x.path === '/')).toBe(true);
        }
        for (const [host, port, target] of requests) {
          expect(t.matchHttp(host, port, target)?.route.id).toBe(naiveMatch(accepted, host, port, target)?.id);
        }
      }),
      { numRuns: 300 },
    );
  });
});
