import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containerId } from './container-id.js';

describe('containerId', () => {
  it('prefixes valid job ids', () => {
    expect(containerId('host1-4f6e2c1a-0b7d-4a2e-9c3e-1f2a3b4c5d6e')).toBe('flynn-host1-4f6e2c1a-0b7d-4a2e-9c3e-1f2a3b4c5d6e');
  });

  it('makes any job id a valid, distinct container id (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ minLength: 1, maxLength: 200 }), (a, b) => {
        expect(containerId(a)).toMatch(/^flynn-[A-Za-z0-9_.-]+$/);
        expect(containerId(a).length).toBeLessThanOrEqual(120);
        if (a !== b) expect(containerId(a)).not.toBe(containerId(b));
      }),
    );
  });
});
