/**
 * Properties of the reducer over random command histories on a small
 * universe (2 services, 4 instance ids, a few metas), so that collisions —
 * re-registration, removal of the leader, CAS races — are frequent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from './commands.js';
import { applyCommand } from './reducer.js';
import { diffStates, replayEvents } from './replay.js';
import { decodeSnapshot, encodeSnapshot, snapshotOf } from './snapshot.js';
import type { DiscoveryState } from './state.js';
import { EMPTY_STATE, leaderOf } from './state.js';
import { addInstance, addService, expire, inst, removeInstance, removeService, run, setLeader, setMeta } from './reducer.test-helpers.js';
import type { DiscoveryEvent, Instance, ServiceMeta } from './types.js';
import { ALL_KINDS } from './types.js';

const SERVICES = ['s1', 's2'] as const;
const IDS = ['a', 'b', 'c', 'd'] as const;
const service = fc.constantFrom(...SERVICES);
const id = fc.constantFrom(...IDS);
const meta = fc.constantFrom(undefined, { v: '1' }, { v: '2' });

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(service, fc.constantFrom('oldest' as const, 'manual' as const)).map(([s, t]) => addService(s, t)) },
  { weight: 1, arbitrary: service.map(removeService) },
  { weight: 6, arbitrary: fc.tuple(service, id, meta).map(([s, i, m]) => addInstance(s, inst(i, m))) },
  { weight: 3, arbitrary: fc.tuple(service, id).map(([s, i]) => removeInstance(s, i)) },
  { weight: 2, arbitrary: fc.array(fc.tuple(service, id), { maxLength: 3 }).map((refs) => expire(...refs)) },
  { weight: 3, arbitrary: fc.tuple(service, fc.integer({ min: 0, max: 40 }), fc.option(id, { nil: undefined })).map(([s, i, l]) => setMeta(s, i, i, l)) },
  { weight: 1, arbitrary: fc.tuple(service, id).map(([s, i]) => setLeader(s, i)) },
);
const history = fc.array(command, { maxLength: 40 });

/** What a subscriber knows after folding events onto a replay. */
interface View {
  instances: Map<string, Instance>;
  leader: Instance | undefined;
  meta: ServiceMeta | undefined;
}

function fold(view: View, e: DiscoveryEvent): void {
  switch (e.kind) {
    case 'up':
    case 'update':
      view.instances.set(e.instance!.id, e.instance!);
      return;
    case 'down':
      view.instances.delete(e.instance!.id);
      return;
    case 'leader':
      view.leader = e.instance;
      return;
    case 'service_meta':
      view.meta = e.service_meta;
      return;
    case 'current':
      return;
  }
}

function viewOf(state: DiscoveryState, s: string, extra: readonly DiscoveryEvent[] = []): View {
  const view: View = { instances: new Map(), leader: undefined, meta: undefined };
  for (const e of [...replayEvents(state, s, ALL_KINDS), ...extra.filter((x) => x.service === s)]) fold(view, e);
  return view;
}

/**
 * A stream is exact for instances always; for the leader's identity of
 * `oldest` services (a leader whose meta changes gets `update`, not
 * `leader`: the original's rule, so a subscriber resolves the leader by id);
 * and for meta whenever there is one (no event says "meta deleted"). A
 * `manual` leader appearing/disappearing with its instance emits no event
 * (the original's rule), so it is not compared.
 */
function expectViewsMatch(folded: View, actual: View, state: DiscoveryState, s: string): void {
  expect([...folded.instances.values()].sort((x, y) => x.index - y.index)).toEqual([...actual.instances.values()].sort((x, y) => x.index - y.index));
  const svc = state.services.get(s);
  const who = (i: Instance | undefined) => (i ? `${i.id}@${i.index}` : undefined);
  if (!svc || svc.config.leader_type === 'oldest') expect(who(folded.leader)).toEqual(who(actual.leader));
  if (svc?.meta) expect(folded.meta).toEqual(actual.meta);
}

describe('reducer properties', () => {
  it('an oldest service is always led by its live instance with the lowest index', () => {
    fc.assert(
      fc.property(history, (cmds) => {
        const { outputs } = run(cmds);
        for (const { state } of outputs) {
          for (const svc of state.services.values()) {
            if (svc.config.leader_type !== 'oldest') continue;
            const min = [...svc.instances.values()].sort((x, y) => x.index - y.index)[0];
            expect(leaderOf(svc)).toEqual(min);
            expect(svc.leader).toBe(min ? min.id : '');
          }
        }
      }),
    );
  });

  it('replay(before) + events = replay(after), for every command', () => {
    fc.assert(
      fc.property(history, (cmds) => {
        let state = EMPTY_STATE;
        cmds.forEach((cmd, i) => {
          const out = applyCommand(state, cmd, i + 1);
          for (const s of SERVICES) expectViewsMatch(viewOf(state, s, out.events), viewOf(out.state, s), out.state, s);
          state = out.state;
        });
      }),
    );
  });

  it('replay(a) + diffStates(a, b) = replay(b), for any two states', () => {
    fc.assert(
      fc.property(history, history, (h1, h2) => {
        const a = run(h1).state;
        const b = run(h2, a, h1.length + 1).state;
        const c = run(h2).state;
        for (const [from, to] of [
          [a, b],
          [a, c],
          [c, a],
        ] as const) {
          const events = diffStates(from, to);
          for (const s of SERVICES) expectViewsMatch(viewOf(from, s, events), viewOf(to, s), to, s);
        }
      }),
    );
  });

  it('snapshot → restore → apply equals apply on the original state', () => {
    fc.assert(
      fc.property(history, history, (prefix, suffix) => {
        const mid = run(prefix).state;
        const restored = decodeSnapshot(encodeSnapshot(mid));
        const direct = run(suffix, mid, prefix.length + 1);
        const replayed = run(suffix, restored, prefix.length + 1);
        expect(snapshotOf(replayed.state)).toEqual(snapshotOf(direct.state));
        expect(replayed.outputs.map((o) => [o.events, o.result])).toEqual(direct.outputs.map((o) => [o.events, o.result]));
      }),
    );
  });

  it('meta CAS sequences match a naive register model', () => {
    // Writers race on one service: each picks 0, the current index, or a stale/random one.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('cas' as const), pick: fc.constantFrom('zero', 'current', 'random'), n: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('other' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let state = run([addService('m')]).state;
        let model: number | undefined; // the stored index, if any
        ops.forEach((o, i) => {
          const index = i + 2;
          if (o.kind === 'other') {
            // Other commands consume raft indexes too.
            state = applyCommand(state, addInstance('m', inst(`x${i % 3}`, { i: String(i) })), index).state;
            return;
          }
          const expected = o.pick === 'zero' ? 0 : o.pick === 'current' ? (model ?? 0) : o.n;
          const out = applyCommand(state, setMeta('m', { i }, expected), index);
          let want: string;
          if (expected === 0) want = model === undefined ? 'ok' : 'object_exists';
          else want = model === expected ? 'ok' : 'precondition_failed';
          expect(out.result.ok ? 'ok' : out.result.code).toBe(want);
          if (want === 'ok') model = index;
          state = out.state;
          expect(state.services.get('m')!.meta?.index).toBe(model);
        });
      }),
    );
  });

  it('is pure from the caller\'s view: applying (and branching) never changes a state already handed out', () => {
    fc.assert(
      fc.property(history, history, (h1, h2) => {
        const seen: Array<[DiscoveryState, string]> = [];
        const record = (st: DiscoveryState) => seen.push([st, JSON.stringify(snapshotOf(st))]);
        let state = EMPTY_STATE;
        h1.forEach((cmd, i) => {
          state = applyCommand(state, cmd, i + 1).state;
          record(state);
        });
        // Two branches from the same state, and from every recorded state one more command.
        run(h2, state, h1.length + 1).outputs.forEach((o) => record(o.state));
        run([...h2].reverse(), state, h1.length + 1);
        for (const [st] of [...seen]) for (const cmd of h2.slice(0, 3)) applyCommand(st, cmd, 1_000);
        for (const [st, bytes] of seen) expect(JSON.stringify(snapshotOf(st))).toBe(bytes);
      }),
    );
  });

  it('is deterministic: the same history gives the same bytes', () => {
    fc.assert(
      fc.property(history, (cmds) => {
        expect(encodeSnapshot(run(cmds).state)).toEqual(encodeSnapshot(run(cmds).state));
      }),
      { numRuns: 50 },
    );
  });
});
