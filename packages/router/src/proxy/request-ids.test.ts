import { describe, expect, it } from 'vitest';
import { RequestIds } from './request-ids.js';

describe('RequestIds', () => {
  it('makes distinct v4 UUIDs that the X-Request-Id rule accepts', () => {
    const ids = new RequestIds();
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const id = ids.next();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2_000);
  });
});
