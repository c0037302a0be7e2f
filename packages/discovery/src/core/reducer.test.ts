import { describe, expect, it } from 'vitest';
import { applyCommand } from './reducer.js';
import { EMPTY_STATE, instancesOf, leaderOf } from './state.js';
import { addInstance, addService, brief, expire, inst, removeInstance, removeService, run, setLeader, setMeta } from './reducer.test-helpers.js';

describe('add-service', () => {
  it('creates a service with no instances, leader or meta', () => {
    const { state, outputs } = run([addService('foo')]);
    expect(outputs[0]!.result).toEqual({ ok: true });
    expect(outputs[0]!.events).toEqual([]);
    const svc = state.services.get('foo')!;
    expect(svc.config).toEqual({ leader_type: 'oldest' });
    expect(svc.instances.size).toBe(0);
    expect(svc.leader).toBe('');
    expect(svc.meta).toBeUndefined();
  });

  it('refuses an existing service with the original 409 and leaves the state untouched', () => {
    const { state } = run([addService('foo', 'manual')]);
    const out = applyCommand(state, addService('foo'), 2);
    expect(out.result).toEqual({ ok: false, code: 'object_exists', message: 'discoverd: service "foo" already exists' });
    expect(out.state).toBe(state);
    expect(state.services.get('foo')!.config.leader_type).toBe('manual');
  });
});

describe('remove-service', () => {
  it('answers 404 for a missing service', () => {
    const out = applyCommand(EMPTY_STATE, removeService('nope'), 1);
    expect(out.result).toEqual({ ok: false, code: 'object_not_found', message: 'discoverd: service "nope" not found' });
  });

  it('emits down per instance in index order, then a leader event without instance, and really removes them', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('b')), addInstance('foo', inst('a')), setMeta('foo', { x: 1 }, 0)]);
    const out = applyCommand(state, removeService('foo'), 5);
    expect(brief(out.events)).toEqual(['down:b', 'down:a', 'leader:-']);
    expect(out.state.services.has('foo')).toBe(false);
    // Re-created, it starts empty: no instance survives (the original kept them, quirk 3).
    const again = run([addService('foo')], out.state, 6).state.services.get('foo')!;
    expect(again.instances.size).toBe(0);
    expect(again.meta).toBeUndefined();
    expect(again.leader).toBe('');
  });

  it('emits no leader event when there was no visible leader', () => {
    const { state } = run([addService('m', 'manual'), addInstance('m', inst('a'))]);
    expect(brief(applyCommand(state, removeService('m'), 3).events)).toEqual(['down:a']);
  });
});

describe('add-instance', () => {
  it('answers 404 with the original message for an unknown service', () => {
    const out = applyCommand(EMPTY_STATE, addInstance('nope', inst('a')), 1);
    expect(out.result).toEqual({ ok: false, code: 'object_not_found', message: 'discoverd: service "nope" not found' });
  });

  it('gives a new instance the raft index and makes the first one leader', () => {
    const { state, outputs } = run([addService('foo'), addInstance('foo', inst('a', { color: 'red' }))]);
    expect(brief(outputs[1]!.events)).toEqual(['up:a', 'leader:a']);
    const a = state.services.get('foo')!.instances.get('a')!;
    expect(a).toEqual({ ...inst('a', { color: 'red' }), index: 2 });
    expect(Object.keys(a)).toEqual(['id', 'addr', 'proto', 'meta', 'index']);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('omits empty meta', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a', {}))]);
    expect(state.services.get('foo')!.instances.get('a')).not.toHaveProperty('meta');
  });

  it('a later instance is up without a leader change', () => {
    const { outputs } = run([addService('foo'), addInstance('foo', inst('a')), addInstance('foo', inst('b'))]);
    expect(brief(outputs[2]!.events)).toEqual(['up:b']);
  });

  it('re-registering unchanged is a no-op: no event, same state object', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a', { k: 'v' }))]);
    const out = applyCommand(state, addInstance('foo', inst('a', { k: 'v' })), 3);
    expect(out.events).toEqual([]);
    expect(out.state).toBe(state);
    expect(out.result).toEqual({ ok: true });
  });

  it('changed meta gives update, keeps the first index, and no leader event even for the leader', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a', { k: '1' })), addInstance('foo', inst('b'))]);
    const out = applyCommand(state, addInstance('foo', inst('a', { k: '2' })), 9);
    expect(brief(out.events)).toEqual(['update:a']);
    expect(out.state.services.get('foo')!.instances.get('a')!.index).toBe(2);
    expect(leaderOf(out.state.services.get('foo')!)!.meta).toEqual({ k: '2' });
  });

  it('changed proto gives update', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a'))]);
    expect(brief(applyCommand(state, addInstance('foo', inst('a', undefined, 'http')), 3).events)).toEqual(['update:a']);
  });
});

describe('remove-instance', () => {
  it('answers 404 for an unknown service, and is idempotent for an unknown instance', () => {
    expect(applyCommand(EMPTY_STATE, removeInstance('nope', 'a'), 1).result.ok).toBe(false);
    const { state } = run([addService('foo')]);
    const out = applyCommand(state, removeInstance('foo', 'zzz'), 2);
    expect(out.result).toEqual({ ok: true });
    expect(out.events).toEqual([]);
    expect(out.state).toBe(state);
  });

  it('removing the leader gives down, then the next oldest as leader', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a')), addInstance('foo', inst('b')), addInstance('foo', inst('c'))]);
    const out = applyCommand(state, removeInstance('foo', 'a'), 5);
    expect(brief(out.events)).toEqual(['down:a', 'leader:b']);
  });

  it('removing the last instance gives a leader event without instance', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a'))]);
    const out = applyCommand(state, removeInstance('foo', 'a'), 3);
    expect(brief(out.events)).toEqual(['down:a', 'leader:-']);
    expect(out.events[1]).toEqual({ service: 'foo', kind: 'leader' });
  });

  it('removing a non-leader changes no leader', () => {
    const { state } = run([addService('foo'), addInstance('foo', inst('a')), addInstance('foo', inst('b'))]);
    expect(brief(applyCommand(state, removeInstance('foo', 'b'), 4).events)).toEqual(['down:b']);
  });
});

describe('expire-instances', () => {
  it('downs every listed instance that exists (command order), then re-elects per service', () => {
    const { state } = run([
      addService('x'),
      addService('y'),
      addInstance('x', inst('a')),
      addInstance('x', inst('b')),
      addInstance('y', inst('c')),
      addInstance('x', inst('d')),
    ]);
    const out = applyCommand(state, expire(['x', 'a'], ['y', 'c'], ['x', 'gone'], ['nope', 'a'], ['x', 'b']), 7);
    expect(brief(out.events)).toEqual(['down:a', 'down:c', 'down:b', 'leader:d', 'leader:-']);
    expect([...out.state.services.get('x')!.instances.keys()]).toEqual(['d']);
    expect(out.result).toEqual({ ok: true });
  });

  it('is a no-op when nothing listed exists', () => {
    const { state } = run([addService('x')]);
    const out = applyCommand(state, expire(['x', 'a']), 2);
    expect(out.state).toBe(state);
    expect(out.events).toEqual([]);
  });
});

describe('set-meta (CAS, reference §1.5)', () => {
  it('index 0 creates; the stored index is the raft index of the write', () => {
    const { state, outputs } = run([addService('foo'), setMeta('foo', { hello: 'world' }, 0)]);
    expect(outputs[1]!.result).toEqual({ ok: true, meta: { data: { hello: 'world' }, index: 2 } });
    expect(outputs[1]!.events).toEqual([{ service: 'foo', kind: 'service_meta', service_meta: { data: { hello: 'world' }, index: 2 } }]);
    expect(state.services.get('foo')!.meta).toEqual({ data: { hello: 'world' }, index: 2 });
  });

  it('index 0 on existing meta is 409; a stale index is 412; the right index succeeds', () => {
    const { state } = run([addService('foo'), setMeta('foo', 1, 0)]);
    expect(applyCommand(state, setMeta('foo', 2, 0), 3).result).toEqual({
      ok: false,
      code: 'object_exists',
      subject: 'meta',
      message: 'Service metadata for "foo" already exists, use index=n to set',
    });
    expect(applyCommand(state, setMeta('foo', 2, 1), 3).result).toEqual({
      ok: false,
      code: 'precondition_failed',
      subject: 'meta',
      message: 'Service metadata for "foo" exists, but wrong index provided',
    });
    expect(applyCommand(state, setMeta('foo', 2, 2), 3).result).toEqual({ ok: true, meta: { data: 2, index: 3 } });
  });

  it('a non-zero index without meta is 412, and an unknown service is 404', () => {
    const { state } = run([addService('foo')]);
    expect(applyCommand(state, setMeta('foo', 1, 7), 2).result).toEqual({
      ok: false,
      code: 'precondition_failed',
      subject: 'meta',
      message: 'Service metadata for "foo" does not exist, use index=0 to set',
    });
    expect(applyCommand(state, setMeta('nope', 1, 0), 2).result).toMatchObject({ code: 'object_not_found' });
  });

  it('with leader_id on a manual service: service_meta then leader, atomically', () => {
    const { state } = run([addService('m', 'manual'), addInstance('m', inst('a')), addInstance('m', inst('b'))]);
    const out = applyCommand(state, setMeta('m', 'x', 0, 'b'), 4);
    expect(brief(out.events)).toEqual(['service_meta:4', 'leader:b']);
    expect(out.state.services.get('m')!.leader).toBe('b');
    // Stored meta never carries leader_id.
    expect(out.state.services.get('m')!.meta).toEqual({ data: 'x', index: 4 });
  });

  it('leader_id naming an unknown instance sets it silently (no leader event)', () => {
    const { state } = run([addService('m', 'manual')]);
    const out = applyCommand(state, setMeta('m', 'x', 0, 'ghost'), 2);
    expect(brief(out.events)).toEqual(['service_meta:2']);
    expect(out.state.services.get('m')!.leader).toBe('ghost');
  });

  it('leader_id is ignored for oldest services (their leader is always the oldest instance)', () => {
    const { state } = run([addService('o'), addInstance('o', inst('a')), addInstance('o', inst('b'))]);
    const out = applyCommand(state, setMeta('o', 'x', 0, 'b'), 4);
    expect(brief(out.events)).toEqual(['service_meta:4']);
    expect(out.state.services.get('o')!.leader).toBe('a');
  });
});

describe('set-leader', () => {
  it('is a 400 for an oldest or missing service, with the original message', () => {
    const { state } = run([addService('o')]);
    const expected = { ok: false, code: 'validation_error', message: 'service leader election type is not manual' };
    expect(applyCommand(state, setLeader('o', 'a'), 2).result).toEqual(expected);
    expect(applyCommand(state, setLeader('nope', 'a'), 2).result).toEqual(expected);
  });

  it('sets a manual leader and emits leader when the instance exists', () => {
    const { state } = run([addService('m', 'manual'), addInstance('m', inst('a')), addInstance('m', inst('b'))]);
    expect(state.services.get('m')!.leader).toBe('');
    const out = applyCommand(state, setLeader('m', 'b'), 4);
    expect(brief(out.events)).toEqual(['leader:b']);
    expect(leaderOf(out.state.services.get('m')!)!.id).toBe('b');
  });

  it('an unknown id is accepted and the service then has no visible leader (quirk 5, kept)', () => {
    const { state } = run([addService('m', 'manual'), addInstance('m', inst('a')), setLeader('m', 'a')]);
    const out = applyCommand(state, setLeader('m', 'ghost'), 4);
    expect(out.result).toEqual({ ok: true });
    expect(out.events).toEqual([]);
    expect(leaderOf(out.state.services.get('m')!)).toBeUndefined();
  });

  it('manual leaders never move on add/remove: no leader events', () => {
    const { state, events } = run([
      addService('m', 'manual'),
      addInstance('m', inst('a')),
      setLeader('m', 'a'),
      addInstance('m', inst('b')),
      removeInstance('m', 'a'),
    ]);
    expect(brief(events)).toEqual(['up:a', 'leader:a', 'up:b', 'down:a']);
    expect(state.services.get('m')!.leader).toBe('a');
    expect(leaderOf(state.services.get('m')!)).toBeUndefined();
  });
});

describe('structural sharing', () => {
  it('leaves untouched services and instances shared, and the input state unchanged', () => {
    const { state } = run([addService('x'), addService('y'), addInstance('x', inst('a')), addInstance('y', inst('b'))]);
    const y = state.services.get('y');
    const a = state.services.get('x')!.instances.get('a');
    const out = applyCommand(state, addInstance('x', inst('c')), 5);
    expect(out.state.services.get('y')).toBe(y);
    expect(out.state.services.get('x')!.instances.get('a')).toBe(a);
    expect(instancesOf(state.services.get('x')!).map((i) => i.id)).toEqual(['a']);
  });
});
