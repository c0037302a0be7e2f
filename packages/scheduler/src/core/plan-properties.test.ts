/**
 * Properties of the planner over random clusters: small universes (≤ 8
 * hosts, 3 apps × 2 releases, 3 types, tight capacities) so that tag
 * mismatches, full hosts, draining and dead hosts, critical apps, omni types
 * and pending restarts collide often.
 */
import { seededRandom } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyActions } from './apply-actions.js';
import type { ClusterView, Formation, HostView, JobState, JobView, ProcessTypeSpec } from './model.js';
import { holdsResources, isLive, MiB } from './model.js';
import { plan } from './plan.js';
import { requestFor } from './resources.js';
import { stopOrder } from './stop-order.js';
import { tagsMatch } from './tags.js';

const NOW = 100_000;
/** Runs per property; raise for a soak (`SCHEDULER_PROPERTY_RUNS=5000`). */
const RUNS = Number(process.env.SCHEDULER_PROPERTY_RUNS ?? 300);
const TYPES = ['web', 'worker', 'agent'] as const;
const KEYS = [
  ['a', 'r1'],
  ['a', 'r2'],
  ['b', 'r1'],
  ['c', 'r1'],
] as const;

const hostArb = fc.record({
  mem: fc.integer({ min: 0, max: 16 }), // × 512 MiB
  cpu: fc.integer({ min: 0, max: 8 }), // × 500 milli
  zone: fc.constantFrom(undefined, 'a', 'b'),
  shutdown: fc.constantFrom(false, false, false, true),
  health: fc.constantFrom<NonNullable<HostView['health']>>('up', 'up', 'up', 'unhealthy', 'down'),
});

const specArb: fc.Arbitrary<ProcessTypeSpec> = fc.record({
  omni: fc.constantFrom(false, false, true),
  mem: fc.integer({ min: 0, max: 8 }), // × 256 MiB; 0 = default (1 GiB)
  cpu: fc.integer({ min: 0, max: 4 }), // × 250 milli; 0 = default (1000)
}).map(({ omni, mem, cpu }) => ({ omni, resources: { ...(mem ? { memory: { request: mem * 256 * MiB } } : {}), ...(cpu ? { cpu: { limit: cpu * 250 } } : {}) } }));

const formationArb = fc.record({
  present: fc.constantFrom(true, true, true, false),
  counts: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 })),
  specs: fc.tuple(specArb, specArb, specArb),
  missingType: fc.constantFrom(false, false, false, false, true),
  tags: fc.tuple(fc.constantFrom(undefined, 'a', 'b'), fc.constantFrom(undefined, 'a', 'b'), fc.constantFrom(undefined, 'a')),
  critical: fc.constantFrom(false, false, true),
});

const jobArb = fc.record({
  formation: fc.integer({ min: 0, max: KEYS.length - 1 }),
  type: fc.constantFrom(...TYPES),
  host: fc.integer({ min: -2, max: 8 }), // -2, -1: unplaced; 8 may not exist
  state: fc.constantFrom<JobState>('pending', 'blocked', 'starting', 'up', 'up', 'up', 'stopping', 'down'),
  startedAt: fc.option(fc.integer({ min: 0, max: NOW }), { nil: undefined }),
  runAt: fc.option(fc.integer({ min: NOW - 5000, max: NOW + 5000 }), { nil: undefined }),
  oneOff: fc.constantFrom(false, false, false, false, true),
});

interface Scenario {
  desired: Formation[];
  view: ClusterView;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    hosts: fc.array(hostArb, { maxLength: 8 }),
    formations: fc.tuple(...KEYS.map(() => formationArb)),
    jobs: fc.array(jobArb, { maxLength: 30 }),
  })
  .map(({ hosts, formations, jobs }) => {
    const hostViews: HostView[] = hosts.map((h, i) => ({
      id: `h${i}`,
      tags: h.zone ? { zone: h.zone } : {},
      capacity: { memory: h.mem * 512 * MiB, cpu: h.cpu * 500 },
      shutdown: h.shutdown,
      health: h.health,
    }));
    const all: Formation[] = formations.map((f, i) => {
      const [app, release] = KEYS[i]!;
      const processes: Record<string, number> = {};
      const types: Record<string, ProcessTypeSpec> = {};
      const tags: Record<string, Record<string, string>> = {};
      TYPES.forEach((t, k) => {
        processes[t] = f.counts[k]!;
        if (!(f.missingType && t === 'worker')) types[t] = f.specs[k]!;
        if (f.tags[k]) tags[t] = { zone: f.tags[k]! };
      });
      return { app, release, processes, types, tags, ...(f.critical ? { appMeta: { 'flynn-system-critical': 'true' } } : {}) };
    });
    const desired = all.filter((_, i) => formations[i]!.present);
    // Jobs, dropping any that would overcommit its host: the view starts within capacity.
    const used = new Map<string, { memory: number; cpu: number }>();
    const jobViews: JobView[] = [];
    jobs.forEach((j, i) => {
      const f = all[j.formation]!;
      const req = requestFor(f.types[j.type]?.resources);
      const resources = 'invalid' in req ? { memory: 0, cpu: 0 } : req;
      const unplaced = j.host < 0 || j.state === 'blocked';
      const job: JobView = { id: `j${String(i).padStart(2, '0')}`, app: f.app, release: f.release, type: j.type, state: unplaced && j.state !== 'blocked' && j.state !== 'down' ? 'pending' : j.state, restarts: 0, resources, createdAt: i };
      if (!unplaced) job.hostId = `h${j.host}`;
      if (j.startedAt !== undefined && !unplaced) job.startedAt = j.startedAt;
      if (j.runAt !== undefined && unplaced) job.runAt = j.runAt;
      if (j.oneOff) job.oneOff = true;
      if (holdsResources(job)) {
        const host = hostViews.find((h) => h.id === job.hostId);
        const u = used.get(job.hostId!) ?? { memory: 0, cpu: 0 };
        if (host && (u.memory + resources.memory > host.capacity.memory || u.cpu + resources.cpu > host.capacity.cpu)) return;
        used.set(job.hostId!, { memory: u.memory + resources.memory, cpu: u.cpu + resources.cpu });
      }
      jobViews.push(job);
    });
    return { desired, view: { hosts: hostViews, jobs: jobViews } };
  });

const seedArb = fc.integer({ min: 0, max: 0xffff_ffff });
const planWith = (s: Scenario, seed: number, now = NOW) => plan(s.desired, s.view, { now, random: seededRandom(seed) });
const groupKey = (j: { app: string; release: string; type: string }) => `${j.app}/${j.release}/${j.type}`;

function usage(view: ClusterView): Map<string, { memory: number; cpu: number }> {
  const m = new Map<string, { memory: number; cpu: number }>();
  for (const j of view.jobs) {
    if (!holdsResources(j)) continue;
    const u = m.get(j.hostId!) ?? { memory: 0, cpu: 0 };
    m.set(j.hostId!, { memory: u.memory + j.resources.memory, cpu: u.cpu + j.resources.cpu });
  }
  return m;
}

/** Hosts an omni type of `f` should run on. */
function omniHosts(s: Scenario, f: Formation, type: string): HostView[] {
  return s.view.hosts.filter((h) => h.health !== 'down' && h.shutdown !== true && tagsMatch(h.tags, f.tags?.[type]));
}

describe('plan properties', () => {
  it('never requests more memory or CPU on a host than it has', () => {
    fc.assert(
      fc.property(scenarioArb, seedArb, (s, seed) => {
        const after = applyActions(s.view, planWith(s, seed));
        for (const h of s.view.hosts) {
          const u = usage(after).get(h.id) ?? { memory: 0, cpu: 0 };
          expect(u.memory).toBeLessThanOrEqual(h.capacity.memory);
          expect(u.cpu).toBeLessThanOrEqual(h.capacity.cpu);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('reaches the desired count per (formation, type), the shortfall being exactly the blocked jobs', () => {
    fc.assert(
      fc.property(scenarioArb, seedArb, (s, seed) => {
        const actions = planWith(s, seed);
        const after = applyActions(s.view, actions);
        const refused = new Set(actions.filter((a) => a.kind === 'refuse').map(groupKey));
        const blockedBy = new Map<string, number>();
        for (const a of actions) if (a.kind === 'block') blockedBy.set(groupKey(a), (blockedBy.get(groupKey(a)) ?? 0) + a.jobs.length);
        for (const f of s.desired) {
          for (const type of TYPES) {
            const key = groupKey({ app: f.app, release: f.release, type });
            if (refused.has(key)) continue;
            const live = after.jobs.filter((j) => groupKey(j) === key && !j.oneOff && isLive(j.state));
            const placed = live.filter((j) => j.hostId !== undefined);
            const deferred = live.filter((j) => j.hostId === undefined && j.runAt !== undefined && j.runAt > NOW);
            const blocked = live.filter((j) => j.hostId === undefined && !deferred.includes(j));
            const want = f.types[type]?.omni === true ? f.processes[type]! * omniHosts(s, f, type).length : f.processes[type]!;
            expect(live.length).toBe(want);
            expect(placed.length + blocked.length + deferred.length).toBe(want);
            // every unplaced job that may run now is in a block action
            expect(blocked.length).toBe(blockedBy.get(key) ?? 0);
            for (const j of blocked) expect(j.state).toBe('blocked');
            for (const j of placed) {
              const host = s.view.hosts.find((h) => h.id === j.hostId)!;
              expect(tagsMatch(host.tags, f.tags?.[type])).toBe(true);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('puts omni jobs count per eligible host when there is room', () => {
    fc.assert(
      fc.property(scenarioArb, seedArb, fc.integer({ min: 1, max: 2 }), (s0, seed, count) => {
        const hosts = s0.view.hosts.map((h) => ({ ...h, health: 'up' as const, capacity: { memory: 1024 * 1024 * MiB, cpu: 1_000_000 } }));
        const f: Formation = { app: 'o', release: 'r', processes: { agent: count }, types: { agent: { omni: true } }, tags: { agent: { zone: 'a' } } };
        const s: Scenario = { desired: [f], view: { hosts, jobs: [] } };
        const after = applyActions(s.view, planWith(s, seed));
        for (const h of hosts) {
          const n = after.jobs.filter((j) => j.hostId === h.id).length;
          expect(n).toBe(h.shutdown !== true && h.tags.zone === 'a' ? count : 0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic for a seed, whatever the order of its inputs', () => {
    fc.assert(
      fc.property(scenarioArb, seedArb, (s, seed) => {
        const a = planWith(s, seed);
        expect(planWith(s, seed)).toEqual(a);
        const reversed: Scenario = { desired: [...s.desired].reverse(), view: { hosts: [...s.view.hosts].reverse(), jobs: [...s.view.jobs].reverse() } };
        expect(planWith(reversed, seed)).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('stops surplus jobs in stop order: no kept job comes before a stopped one', () => {
    fc.assert(
      fc.property(scenarioArb, seedArb, (s, seed) => {
        const actions = planWith(s, seed);
        const touched = new Set(actions.flatMap((a) => (a.kind === 'stop' || a.kind === 'lost' ? [a.jobId] : [])));
        const draining = (id: string) => s.view.hosts.find((h) => h.id === id)?.shutdown === true;
        const cmp = stopOrder(draining);
        const byId = new Map(s.view.jobs.map((j) => [j.id, j]));
        for (const stop of actions) {
          if (stop.kind !== 'stop' || stop.reason !== 'surplus') continue;
          const stopped = byId.get(stop.jobId)!;
          const f = s.desired.find((x) => x.app === stopped.app && x.release === stopped.release)!;
          if (f.types[stopped.type]?.omni === true) continue; // omni surplus is per host
          const kept = s.view.jobs.filter((j) => groupKey(j) === groupKey(stopped) && isLive(j.state) && !j.oneOff && !touched.has(j.id));
          for (const k of kept) expect(cmp(stopped, k)).toBeLessThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('converges: planning the applied view again starts, stops and loses nothing', () => {
    fc.assert(
      fc.property(scenarioArb, seedArb, seedArb, (s, seed1, seed2) => {
        const after = applyActions(s.view, planWith(s, seed1));
        const again = plan(s.desired, after, { now: NOW, random: seededRandom(seed2) });
        expect(again.filter((a) => a.kind === 'start' || a.kind === 'stop' || a.kind === 'lost')).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('spreads: with room everywhere, no host gets a second job of a type while an eligible one has none', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }), seedArb, (nHosts, counts, seed) => {
        const hosts: HostView[] = Array.from({ length: nHosts }, (_, i) => ({ id: `h${i}`, tags: {}, capacity: { memory: 1024 * 1024 * MiB, cpu: 1_000_000 } }));
        const desired: Formation[] = counts.map((n, i) => ({ app: `app${i}`, release: 'r', processes: { web: n }, types: { web: {} } }));
        const after = applyActions({ hosts, jobs: [] }, plan(desired, { hosts, jobs: [] }, { now: NOW, random: seededRandom(seed) }));
        for (const f of desired) {
          const per = hosts.map((h) => after.jobs.filter((j) => j.app === f.app && j.hostId === h.id).length);
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('spreads replicas over the hosts with room before doubling up', () => {
    // Uneven capacities: some hosts can take only a few jobs. Every host that could take one more
    // of the type has at least as many as any host minus one, unless it is full.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 20 }), seedArb, (caps, n, seed) => {
        const hosts: HostView[] = caps.map((c, i) => ({ id: `h${i}`, tags: {}, capacity: { memory: c * 1024 * MiB, cpu: 1_000_000 } }));
        const desired: Formation[] = [{ app: 'a', release: 'r', processes: { web: n }, types: { web: {} } }];
        const after = applyActions({ hosts, jobs: [] }, plan(desired, { hosts, jobs: [] }, { now: NOW, random: seededRandom(seed) }));
        const per = hosts.map((h) => after.jobs.filter((j) => j.hostId === h.id).length);
        const max = Math.max(...per);
        hosts.forEach((h, i) => {
          const full = per[i]! >= caps[i]!;
          if (!full) expect(per[i]!).toBeGreaterThanOrEqual(max - 1);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
