import { describe, expect, it } from 'vitest';
import { DataPlane } from './data-plane.js';

const route = { type: 'http' as const, id: 'r', service: 'web', domain: 'a.test' };

describe('DataPlane', () => {
  it('applies routes and backends, sharing one backend set per service', () => {
    const p = new DataPlane();
    p.apply({ op: 'route-set', route });
    p.apply({ op: 'route-set', route: { ...route, id: 'r2', domain: 'b.test' } });
    p.apply({ op: 'backends', service: 'web', backends: [{ service: 'web', addr: '10.0.0.1:80' }, { service: 'web', addr: '10.0.0.2:80' }], leader: '10.0.0.2:80' });
    const a = p.matchHttp('a.test', 0, '/')!;
    const b = p.matchHttp('b.test', 0, '/')!;
    expect(a.data.service).toBe(b.data.service);
    expect(a.data.service.all.map((t) => t.addr)).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
    expect(a.data.service.leader.map((t) => t.addr)).toEqual(['10.0.0.2:80']);
  });

  it('keeps backend targets (and their pools) across updates', () => {
    const p = new DataPlane();
    p.apply({ op: 'route-set', route });
    p.apply({ op: 'backends', service: 'web', backends: [{ service: 'web', addr: '10.0.0.1:80' }] });
    const t = p.service('web')!.all[0]!;
    p.apply({ op: 'backends', service: 'web', backends: [{ service: 'web', addr: '10.0.0.1:80', app: 'x' }, { service: 'web', addr: '10.0.0.3:80' }] });
    expect(p.service('web')!.all[0]).toBe(t);
    expect(t.app).toBe('x');
  });

  it('resolves whenIdle for a removed backend only when its last request ends', async () => {
    const p = new DataPlane();
    p.apply({ op: 'route-set', route });
    p.apply({ op: 'backends', service: 'web', backends: [{ service: 'web', addr: '10.0.0.1:80' }] });
    const t = p.service('web')!.all[0]!;
    t.begin();
    t.begin();
    p.apply({ op: 'backends', service: 'web', backends: [] });
    expect(t.live).toBe(false);
    let idle = false;
    void p.whenIdle('web', '10.0.0.1:80').then(() => (idle = true));
    expect(p.inflight()).toEqual({ 'web 10.0.0.1:80': 2 });
    t.end();
    await Promise.resolve();
    expect(idle).toBe(false);
    t.end();
    await Promise.resolve();
    await Promise.resolve();
    expect(idle).toBe(true);
    expect(p.inflight()).toEqual({});
    await expect(p.whenIdle('web', 'unknown:1')).resolves.toBeUndefined();
  });

  it('drops a service when its last route goes, and reports TCP route changes', () => {
    const p = new DataPlane();
    const seen: string[] = [];
    p.onRoute = (r, removed) => seen.push(`${removed ? '-' : '+'}${r.id}`);
    p.apply({ op: 'route-set', route: { type: 'tcp', id: 't', service: 'db', port: 3000 } });
    p.apply({ op: 'route-remove', id: 't' });
    p.apply({ op: 'route-remove', id: 't' });
    expect(seen).toEqual(['+t', '-t']);
    expect(p.service('db')).toBeUndefined();
  });
});
