import { describe, expect, it } from 'vitest';
import { checkRouteSource } from '../testing/check-route-source.js';
import { MemoryRouteSource } from './memory-route-source.js';

describe('MemoryRouteSource', () => {
  it('conforms to the RouteSource contract', async () => {
    let src!: MemoryRouteSource;
    await checkRouteSource({
      create: (routes) => (src = new MemoryRouteSource(routes)),
      set: (r) => void src.set(r),
      remove: (id) => void src.remove(id),
      replace: (routes) => src.replace(routes),
    });
  });

  it('validates as it goes', () => {
    const src = new MemoryRouteSource([{ type: 'http', id: 'a', service: 's', domain: 'a.test' }]);
    expect(() => src.set({ type: 'http', id: 'b', service: 's', domain: 'A.test' })).toThrow(/Duplicate route/);
    expect(() => src.set({ type: 'http', id: 'p', service: 's', domain: 'x.test', path: '/p' })).toThrow(/default route/);
    expect(src.remove('nope')).toBe(false);
    expect(() => new MemoryRouteSource([{ type: 'tcp', id: 't', service: 's', port: 80 }])).toThrow(/80/);
  });
});
