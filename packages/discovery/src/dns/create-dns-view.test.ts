import { describe, expect, it } from 'vitest';
import type { DiscoveryEvent, EventKindSet, Instance } from '../core/types.js';
import type { Subscription } from '../server/backend.js';
import { createDnsView } from './create-dns-view.js';

interface FakeSub {
  service: string;
  kinds: EventKindSet;
  emit: (e: Omit<DiscoveryEvent, 'service'>) => void;
  closed: boolean;
}

function fakeBackend(options: { fail?: (service: string) => boolean } = {}) {
  const subs: FakeSub[] = [];
  return {
    subs,
    subscribe(service: string, kinds: EventKindSet, onEvent: (e: DiscoveryEvent) => void): Subscription {
      if (options.fail?.(service)) throw new Error('catching up');
      const sub: FakeSub = { service, kinds, emit: (e) => !sub.closed && onEvent({ service, ...e }), closed: false };
      subs.push(sub);
      return { close: () => void (sub.closed = true) };
    },
  };
}

const inst = (n: number, index = n): Instance => ({ id: `id${n}`, addr: `10.0.0.${n}:${5000 + n}`, proto: 'tcp', index });

describe('createDnsView', () => {
  it('subscribes on first use with all kinds and is ready after `current`', async () => {
    const backend = fakeBackend();
    const view = createDnsView(backend);
    const ready = view.whenReady('svc');
    expect(ready).toBeInstanceOf(Promise);
    expect(backend.subs).toHaveLength(1);
    expect([...backend.subs[0]!.kinds].sort()).toEqual(['current', 'down', 'leader', 'service_meta', 'up', 'update']);
    const sub = backend.subs[0]!;
    sub.emit({ kind: 'up', instance: inst(2) });
    sub.emit({ kind: 'up', instance: inst(1) });
    sub.emit({ kind: 'leader', instance: inst(1) });
    sub.emit({ kind: 'current' });
    await ready;
    expect(view.whenReady('svc')).toBeUndefined();
    expect(view.instances('svc')!.map((d) => d.instance.id)).toEqual(['id1', 'id2']); // index order
    expect(view.leader('svc')?.instance.id).toBe('id1');
    expect(view.instances('svc')![0]).toBe(view.leader('svc')); // shared, parsed once
    expect(backend.subs).toHaveLength(1);
  });

  it('follows up, update, down and leader events', () => {
    const backend = fakeBackend();
    const view = createDnsView(backend);
    view.instances('svc');
    const sub = backend.subs[0]!;
    sub.emit({ kind: 'current' });
    expect(view.instances('svc')).toEqual([]);
    sub.emit({ kind: 'up', instance: inst(1) });
    sub.emit({ kind: 'up', instance: inst(3) });
    sub.emit({ kind: 'leader', instance: inst(1) });
    expect(view.instances('svc')!.map((d) => d.key)).toEqual(['10.0.0.1', '10.0.0.3']);
    sub.emit({ kind: 'update', instance: { ...inst(1), addr: '10.9.9.9:1' } });
    expect(view.leader('svc')?.key).toBe('10.9.9.9');
    sub.emit({ kind: 'down', instance: inst(1) });
    sub.emit({ kind: 'leader', instance: inst(3) });
    expect(view.instances('svc')!.map((d) => d.instance.id)).toEqual(['id3']);
    expect(view.leader('svc')?.instance.id).toBe('id3');
    sub.emit({ kind: 'down', instance: inst(3) });
    sub.emit({ kind: 'leader' });
    expect(view.leader('svc')).toBeUndefined();
    expect(view.instances('svc')).toEqual([]);
  });

  it('keeps at most maxServices subscriptions, dropping the least recently queried', () => {
    const backend = fakeBackend();
    const view = createDnsView(backend, { maxServices: 2 });
    view.instances('a');
    view.instances('b');
    view.instances('a'); // a is now the most recent
    view.instances('c');
    expect(view.size).toBe(2);
    expect(backend.subs.map((s) => [s.service, s.closed])).toEqual([
      ['a', false],
      ['b', true],
      ['c', false],
    ]);
    view.close();
    expect(backend.subs.every((s) => s.closed)).toBe(true);
    expect(view.size).toBe(0);
  });

  it('a failing subscribe rejects whenReady and is retried on the next query', async () => {
    let fail = true;
    const backend = fakeBackend({ fail: () => fail });
    const view = createDnsView(backend);
    await expect(view.whenReady('svc')).rejects.toThrow('catching up');
    expect(view.size).toBe(0);
    fail = false;
    expect(view.whenReady('svc')).toBeInstanceOf(Promise);
    expect(backend.subs).toHaveLength(1);
  });

  it('works with a backend that sends the snapshot synchronously inside subscribe()', () => {
    const view = createDnsView({
      subscribe(service, _kinds, onEvent) {
        onEvent({ service, kind: 'up', instance: inst(4) });
        onEvent({ service, kind: 'current' });
        return { close() {} };
      },
    });
    expect(view.whenReady('svc')).toBeUndefined();
    expect(view.instances('svc')).toHaveLength(1);
  });
});
