import { describe, expect, it } from 'vitest';
import { HostHealthTracker } from './host-health.js';

describe('HostHealthTracker', () => {
  it('a new host is up; leaving discovery makes it unhealthy and due for checks', () => {
    const t = new HostHealthTracker();
    expect(t.observe({ kind: 'seen', hostId: 'h1' })).toEqual([{ kind: 'host-up', hostId: 'h1' }]);
    expect(t.observe({ kind: 'seen', hostId: 'h1' })).toEqual([]);
    expect(t.needsCheck()).toEqual([]);
    expect(t.observe({ kind: 'missing', hostId: 'h1' })).toEqual([{ kind: 'host-unhealthy', hostId: 'h1' }]);
    expect(t.health('h1')).toBe('unhealthy');
    expect(t.needsCheck()).toEqual(['h1']);
  });

  it('is down after 10 consecutive failed checks, not 9', () => {
    const t = new HostHealthTracker();
    t.observe({ kind: 'seen', hostId: 'h1' });
    t.observe({ kind: 'missing', hostId: 'h1' });
    for (let i = 1; i <= 9; i++) expect(t.observe({ kind: 'check', hostId: 'h1', ok: false })).toEqual([]);
    expect(t.health('h1')).toBe('unhealthy');
    expect(t.snapshot().h1).toEqual({ health: 'unhealthy', failedChecks: 9 });
    expect(t.observe({ kind: 'check', hostId: 'h1', ok: false })).toEqual([{ kind: 'host-down', hostId: 'h1', failedChecks: 10 }]);
    expect(t.health('h1')).toBe('down');
    expect(t.needsCheck()).toEqual([]);
    expect(t.observe({ kind: 'check', hostId: 'h1', ok: false })).toEqual([]);
  });

  it('a successful check resets the count', () => {
    const t = new HostHealthTracker({ maxFailedChecks: 3 });
    t.observe({ kind: 'seen', hostId: 'h1' });
    t.observe({ kind: 'missing', hostId: 'h1' });
    t.observe({ kind: 'check', hostId: 'h1', ok: false });
    t.observe({ kind: 'check', hostId: 'h1', ok: false });
    expect(t.observe({ kind: 'check', hostId: 'h1', ok: true })).toEqual([{ kind: 'host-recovered', hostId: 'h1' }]);
    t.observe({ kind: 'missing', hostId: 'h1' });
    t.observe({ kind: 'check', hostId: 'h1', ok: false });
    t.observe({ kind: 'check', hostId: 'h1', ok: false });
    expect(t.health('h1')).toBe('unhealthy');
    expect(t.observe({ kind: 'check', hostId: 'h1', ok: false })).toMatchObject([{ kind: 'host-down' }]);
  });

  it('a failed check of an up host makes it unhealthy and counts', () => {
    const t = new HostHealthTracker({ maxFailedChecks: 2 });
    t.observe({ kind: 'seen', hostId: 'h1' });
    expect(t.observe({ kind: 'check', hostId: 'h1', ok: false })).toEqual([{ kind: 'host-unhealthy', hostId: 'h1' }]);
    expect(t.observe({ kind: 'check', hostId: 'h1', ok: false })).toEqual([{ kind: 'host-down', hostId: 'h1', failedChecks: 2 }]);
  });

  it('a down host that comes back is up again; forget drops it', () => {
    const t = new HostHealthTracker({ maxFailedChecks: 1 });
    t.observe({ kind: 'seen', hostId: 'h1' });
    t.observe({ kind: 'missing', hostId: 'h1' });
    t.observe({ kind: 'check', hostId: 'h1', ok: false });
    expect(t.health('h1')).toBe('down');
    expect(t.observe({ kind: 'missing', hostId: 'h1' })).toEqual([]);
    expect(t.observe({ kind: 'seen', hostId: 'h1' })).toEqual([{ kind: 'host-up', hostId: 'h1' }]);
    t.observe({ kind: 'forget', hostId: 'h1' });
    expect(t.health('h1')).toBeUndefined();
    expect(t.observe({ kind: 'missing', hostId: 'h1' })).toEqual([]);
    expect(t.observe({ kind: 'check', hostId: 'h2', ok: false })).toEqual([]);
  });
});
