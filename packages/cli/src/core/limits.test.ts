import { describe, expect, it } from 'vitest';
import { formatLimit, formatLimits, parseLimit, parseLimits } from './limits.js';

describe('resource limits', () => {
  it('parses byte sizes with binary units and counts with decimal units (go-units)', () => {
    expect(parseLimits(['memory=512MB', 'temp_disk=1g', 'cpu=500', 'max_fd=12k'])).toEqual({
      memory: 512 * 1024 ** 2,
      temp_disk: 1024 ** 3,
      cpu: 500,
      max_fd: 12000,
    });
    expect(parseLimit('memory', '1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseLimit('memory', '100 MB')).toBe(100 * 1024 ** 2);
    expect(parseLimit('memory', '1024')).toBe(1024);
    expect(parseLimit('cpu', 'lots')).toBeUndefined();
  });

  it("rejects bad limits with the original's messages", () => {
    expect(() => parseLimits(['memory'])).toThrow('invalid resource limit: "memory"');
    expect(() => parseLimits(['disk=1GB'])).toThrow(/invalid resource limit type: "disk"/);
    expect(() => parseLimits(['memory=big'])).toThrow('invalid resource limit value: "big"');
  });

  it('prints limits as the original (%.4g of the 1024-based size)', () => {
    expect(formatLimit('memory', 1024 ** 3)).toBe('1GB');
    expect(formatLimit('temp_disk', 100 * 1024 ** 2)).toBe('100MB');
    expect(formatLimit('memory', 1536 * 1024 ** 2)).toBe('1.5GB');
    expect(formatLimit('memory', 500)).toBe('500B');
    expect(formatLimit('cpu', 1000)).toBe('1000');
    expect(formatLimits({ memory: { limit: 1024 ** 3 }, cpu: { limit: 1000 }, max_fd: { limit: 10000 }, temp_disk: { limit: 100 * 1024 ** 2 }, other: {} })).toEqual([
      'cpu=1000',
      'max_fd=10000',
      'memory=1GB',
      'temp_disk=100MB',
    ]);
    expect(formatLimits(undefined)).toEqual([]);
  });
});
