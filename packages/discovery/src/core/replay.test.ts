import { describe, expect, it } from 'vitest';
import { diffStates, replayEvents } from './replay.js';
import { EMPTY_STATE } from './state.js';
import { addInstance, addService, brief, inst, removeInstance, run, setMeta } from './reducer.test-helpers.js';
import { ALL_KINDS, INSTANCE_KINDS, LEADER_KINDS } from './types.js';

const { state } = run([addService('foo'), addInstance('foo', inst('b')), addInstance('foo', inst('a')), setMeta('foo', 1, 0)]);

describe('replayEvents', () => {
  it('sends up per instance in index order, then leader, service_meta, current', () => {
    expect(brief(replayEvents(state, 'foo', ALL_KINDS))).toEqual(['up:b', 'up:a', 'leader:b', 'service_meta:4', 'current']);
  });

  it('honours the kind mask (instances stream has no current, leader stream only leader)', () => {
    expect(brief(replayEvents(state, 'foo', INSTANCE_KINDS))).toEqual(['up:b', 'up:a']);
    expect(brief(replayEvents(state, 'foo', LEADER_KINDS))).toEqual(['leader:b']);
  });

  it('a missing service replays only current', () => {
    expect(replayEvents(state, 'nope', ALL_KINDS)).toEqual([{ service: 'nope', kind: 'current' }]);
    expect(replayEvents(EMPTY_STATE, 'nope', INSTANCE_KINDS)).toEqual([]);
  });
});

describe('diffStates', () => {
  it('is empty for the same state', () => {
    expect(diffStates(state, state)).toEqual([]);
  });

  it('describes instance, meta and leader changes', () => {
    const next = run([removeInstance('foo', 'b'), addInstance('foo', inst('a', { k: 'v' })), addInstance('foo', inst('c')), setMeta('foo', 2, 4)], state, 5).state;
    expect(brief(diffStates(state, next))).toEqual(['down:b', 'update:a', 'up:c', 'service_meta:8', 'leader:a']);
  });

  it('a re-registered instance (new index) is down then up', () => {
    const next = run([removeInstance('foo', 'a'), addInstance('foo', inst('a'))], state, 5).state;
    expect(brief(diffStates(state, next))).toEqual(['down:a', 'up:a']);
  });

  it('a removed service gives downs and a leader event without instance', () => {
    expect(brief(diffStates(state, EMPTY_STATE))).toEqual(['down:b', 'down:a', 'leader:-']);
  });
});
