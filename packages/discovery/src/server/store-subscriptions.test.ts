import { noopLogger } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import type { DiscoveryEvent } from '../core/types.js';
import { ALL_KINDS, INSTANCE_KINDS } from '../core/types.js';
import { SubscriptionHub } from './store-subscriptions.js';

const up = (service: string, id: string): DiscoveryEvent => ({ service, kind: 'up', instance: { id, addr: `${id}:1`, proto: 'tcp', index: 1 } });
const lead = (service: string): DiscoveryEvent => ({ service, kind: 'leader' });

describe('SubscriptionHub', () => {
  it('replays, then delivers live events of its service and kinds, in order', () => {
    const hub = new SubscriptionHub(noopLogger);
    const got: string[] = [];
    hub.add('a', INSTANCE_KINDS, (e) => got.push(`${e.kind}:${e.instance?.id ?? '-'}`), [up('a', 'r')]);
    hub.publish([up('a', 'x'), lead('a'), up('b', 'y'), up('a', 'z')]);
    expect(got).toEqual(['up:r', 'up:x', 'up:z']);
  });

  it('hands each event the raft index of its state: the replay\'s, then each command\'s', () => {
    const hub = new SubscriptionHub(noopLogger);
    const got: string[] = [];
    hub.add('a', ALL_KINDS, (e, i) => got.push(`${e.kind}@${i}`), [up('a', 'r'), { service: 'a', kind: 'current' }], undefined, 7);
    hub.publish([up('a', 'x'), lead('a')], 8);
    hub.publish([up('a', 'y')], 9);
    expect(got).toEqual(['up@7', 'current@7', 'up@8', 'leader@8', 'up@9']);
  });

  it('close is idempotent and immediate, even mid-batch', () => {
    const hub = new SubscriptionHub(noopLogger);
    const got: string[] = [];
    const second = hub.add('a', ALL_KINDS, (e) => got.push(`2:${e.instance?.id}`), []);
    hub.add('a', ALL_KINDS, (e) => {
      got.push(`1:${e.instance?.id}`);
      second.close();
    }, []);
    hub.publish([up('a', 'x'), up('a', 'y')]);
    second.close();
    expect(got).toEqual(['2:x', '1:x', '1:y']);
    expect(hub.count('a')).toBe(1);
  });

  it('a subscriber added during a batch skips the rest of that batch but gets the next', () => {
    const hub = new SubscriptionHub(noopLogger);
    const late: string[] = [];
    let added = false;
    hub.add('a', ALL_KINDS, () => {
      if (added) return;
      added = true;
      hub.add('a', ALL_KINDS, (e) => late.push(e.instance!.id), []);
    }, []);
    hub.publish([up('a', 'x'), up('a', 'y')]);
    hub.publish([up('a', 'z')]);
    expect(late).toEqual(['z']);
  });

  it('a replay callback that throws registers nothing; a live one that throws ends only itself', () => {
    const hub = new SubscriptionHub(noopLogger);
    expect(() => hub.add('a', ALL_KINDS, () => { throw new Error('no'); }, [up('a', 'x')])).toThrow('no');
    expect(hub.count()).toBe(0);
    const ends: unknown[] = [];
    hub.add('a', ALL_KINDS, () => { throw new Error('boom'); }, [], (r) => ends.push(r));
    const ok: string[] = [];
    hub.add('a', ALL_KINDS, (e) => ok.push(e.kind), []);
    hub.publish([up('a', 'x'), up('a', 'y')]);
    expect(ends).toHaveLength(1);
    expect(ok).toEqual(['up', 'up']);
  });

  it('closeAll ends every subscription with the reason', () => {
    const hub = new SubscriptionHub(noopLogger);
    const ends: unknown[] = [];
    hub.add('a', ALL_KINDS, () => {}, [], (r) => ends.push(r));
    hub.add('b', ALL_KINDS, () => {}, []);
    hub.closeAll('bye');
    expect(ends).toEqual(['bye']);
    expect(hub.count()).toBe(0);
  });
});
