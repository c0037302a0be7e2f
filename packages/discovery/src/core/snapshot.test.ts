import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, restoreState, SnapshotCodecError, snapshotOf } from './snapshot.js';
import { EMPTY_STATE } from './state.js';
import { addInstance, addService, inst, run, setLeader, setMeta } from './reducer.test-helpers.js';

const { state } = run([
  addService('web'),
  addService('db', 'manual'),
  addInstance('web', inst('b', { k: 'v' })),
  addInstance('web', inst('a')),
  addInstance('db', inst('p')),
  setLeader('db', 'p'),
  setMeta('db', { primary: 'p' }, 0),
]);

describe('snapshot', () => {
  it('round-trips the state exactly', () => {
    const back = decodeSnapshot(encodeSnapshot(state));
    expect(snapshotOf(back)).toEqual(snapshotOf(state));
    expect(back.services.get('db')!.leader).toBe('p');
    expect(back.services.get('web')!.instances.get('b')).toEqual(state.services.get('web')!.instances.get('b'));
    expect(Object.isFrozen(back.services.get('web')!.instances.get('b'))).toBe(true);
  });

  it('is canonical: services by name, instances by index', () => {
    const snap = snapshotOf(state);
    expect(snap.services.map((s) => s.name)).toEqual(['db', 'web']);
    expect(snap.services[1]!.instances.map((i) => i.id)).toEqual(['b', 'a']);
  });

  it('an empty state round-trips', () => {
    expect(decodeSnapshot(encodeSnapshot(EMPTY_STATE)).services.size).toBe(0);
  });

  it.each([
    ['not JSON', '{'],
    ['another version', '{"v":2,"services":[]}'],
    ['a malformed service', '{"v":1,"services":[{"name":1}]}'],
    ['a duplicate service', '{"v":1,"services":[{"name":"a","config":{},"leader":"","instances":[]},{"name":"a","config":{},"leader":"","instances":[]}]}'],
    ['an instance without index', '{"v":1,"services":[{"name":"a","config":{},"leader":"","instances":[{"id":"i","addr":"a:1","proto":"tcp"}]}]}'],
    ['an instance with a bad meta', '{"v":1,"services":[{"name":"a","config":{},"leader":"","instances":[{"id":"i","addr":"a:1","proto":"tcp","meta":{"x":1},"index":1}]}]}'],
  ])('rejects %s', (_what, text) => {
    expect(() => decodeSnapshot(new TextEncoder().encode(text))).toThrow(SnapshotCodecError);
  });

  it('restoreState takes the parsed value', () => {
    expect(restoreState(JSON.parse(JSON.stringify(snapshotOf(state)))).services.size).toBe(2);
  });
});
