import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { testFormation, testHost, testJob } from '../testing/fixtures.js';
import { applyActions, settleView } from './apply-actions.js';
import type { Action, ClusterView, Formation, JobView } from './model.js';
import { GiB, MiB } from './model.js';
import { plan } from './plan.js';

const NOW = 1_000_000;
const run = (desired: Formation[], view: ClusterView, seed = 1): Action[] => plan(desired, view, { now: NOW, random: seededRandom(seed) });
const of = <K extends Action['kind']>(actions: Action[], kind: K) => actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
const hosts3 = [testHost('h1'), testHost('h2'), testHost('h3')];
const job = (id: string, hostId: string | undefined, fields: Partial<JobView> = {}): JobView =>
  testJob(id, { app: 'a', release: 'r1', type: 'web', ...(hostId === undefined ? {} : { hostId }), ...fields });

describe('plan: scaling', () => {
  it('starts web=3 on 3 hosts, one per host, with fresh ids and default resources', () => {
    const actions = run([testFormation('a', 'r1', { web: 3 })], { hosts: hosts3, jobs: [] });
    const starts = of(actions, 'start');
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((s) => s.hostId))).toEqual(new Set(['h1', 'h2', 'h3']));
    for (const s of starts) {
      expect(s.job).toMatchObject({ app: 'a', release: 'r1', type: 'web', state: 'pending', restarts: 0, hostId: s.hostId, createdAt: NOW });
      expect(s.job.resources).toEqual({ memory: GiB, cpu: 1000 });
      expect(s.job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(starts.map((s) => s.job.id)).size).toBe(3);
  });

  it('does nothing when the cluster matches', () => {
    const jobs = [job('j1', 'h1'), job('j2', 'h2')];
    expect(run([testFormation('a', 'r1', { web: 2 })], { hosts: hosts3, jobs })).toEqual([]);
  });

  it('scales down: unplaced first, then draining hosts, then the newest, starting before up', () => {
    const hosts = [testHost('h1'), testHost('h2', { shutdown: true }), testHost('h3')];
    const jobs = [
      job('old-up', 'h1', { startedAt: 100 }),
      job('new-up', 'h3', { startedAt: 500 }),
      job('starting', 'h1', { state: 'starting', startedAt: 200 }),
      job('draining', 'h2', { startedAt: 50 }),
      job('unplaced', undefined, { state: 'pending', createdAt: 10 }),
    ];
    const stopsFor = (n: number) => of(run([testFormation('a', 'r1', { web: n })], { hosts, jobs }), 'stop').map((s) => s.jobId);
    expect(stopsFor(4)).toEqual(['unplaced']);
    expect(stopsFor(3)).toEqual(['unplaced', 'draining']);
    expect(stopsFor(2)).toEqual(['unplaced', 'draining', 'starting']);
    expect(stopsFor(1)).toEqual(['unplaced', 'draining', 'starting', 'new-up']);
    expect(stopsFor(0)).toEqual(['unplaced', 'draining', 'starting', 'new-up', 'old-up']);
  });

  it('a stop of an unplaced job carries no host; of a placed one, its host', () => {
    const jobs = [job('p', undefined, { state: 'pending' }), job('u', 'h1')];
    const stops = of(run([testFormation('a', 'r1', { web: 0 })], { hosts: hosts3, jobs }), 'stop');
    expect(stops).toEqual([
      { kind: 'stop', jobId: 'p', app: 'a', release: 'r1', type: 'web', reason: 'surplus' },
      { kind: 'stop', jobId: 'u', hostId: 'h1', app: 'a', release: 'r1', type: 'web', reason: 'surplus' },
    ]);
  });

  it('leaves jobs of formations it was not given, and one-off jobs, alone', () => {
    const jobs = [job('other', 'h1', { release: 'r0' }), job('run', 'h2', { type: 'run', oneOff: true })];
    expect(run([testFormation('a', 'r1', { web: 0 })], { hosts: hosts3, jobs })).toEqual([]);
  });

  it('spreads new jobs to the hosts with the fewest of the type first', () => {
    // Memory load alone would prefer h1 (2 of 64 GiB) over h3 (empty, but small): spread comes first.
    const hosts = [testHost('h1', { memoryGiB: 64 }), testHost('h2', { memoryGiB: 16 }), testHost('h3', { memoryGiB: 4 })];
    const jobs = [job('j1', 'h1'), job('j2', 'h1'), job('j3', 'h2')];
    const starts = of(run([testFormation('a', 'r1', { web: 6 })], { hosts, jobs }), 'start');
    const counts = { h1: 2, h2: 1, h3: 0 } as Record<string, number>;
    for (const s of starts) counts[s.hostId]! += 1;
    expect(counts).toEqual({ h1: 2, h2: 2, h3: 2 });
  });

  it('then prefers the least loaded host by memory fraction', () => {
    // h1 is big and lightly loaded; h2 small and half full with another app's jobs.
    const hosts = [testHost('h1', { memoryGiB: 64 }), testHost('h2', { memoryGiB: 4 })];
    const jobs = [job('x', 'h2', { app: 'b', resources: { memory: 2 * GiB, cpu: 100 } })];
    for (let seed = 1; seed <= 20; seed++) {
      const starts = of(run([testFormation('a', 'r1', { web: 1 })], { hosts, jobs }, seed), 'start');
      expect(starts.map((s) => s.hostId)).toEqual(['h1']);
    }
  });

  it('breaks ties with the injected random, deterministically per seed', () => {
    const picks = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const a = of(run([testFormation('a', 'r1', { web: 1 })], { hosts: hosts3, jobs: [] }, seed), 'start');
      const b = of(run([testFormation('a', 'r1', { web: 1 })], { hosts: hosts3, jobs: [] }, seed), 'start');
      expect(a).toEqual(b);
      picks.add(a[0]!.hostId);
    }
    expect(picks).toEqual(new Set(['h1', 'h2', 'h3']));
  });
});

describe('plan: resources', () => {
  const big = (memory: number, cpu = 100) => ({ types: { web: { resources: { memory: { request: memory }, cpu: { request: cpu } } } } });

  it('counts jobs placed earlier in the same plan against the host', () => {
    const hosts = [testHost('h1', { memoryGiB: 2 }), testHost('h2', { memoryGiB: 2 })];
    const actions = run([testFormation('a', 'r1', { web: 5 }, big(GiB))], { hosts, jobs: [] });
    expect(of(actions, 'start')).toHaveLength(4);
    const blocks = of(actions, 'block');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.reason).toBe('no host has 1024 MiB memory free');
    expect(blocks[0]!.jobs).toHaveLength(1);
    expect(blocks[0]!.jobs[0]!.state).toBe('blocked');
  });

  it('counts requests across formations placed earlier in the plan', () => {
    const hosts = [testHost('h1', { memoryGiB: 3 })];
    const actions = run([testFormation('a', 'r1', { web: 2 }, big(GiB)), testFormation('b', 'r1', { web: 2 }, big(GiB))], { hosts, jobs: [] });
    expect(of(actions, 'start').map((s) => s.job.app)).toEqual(['a', 'a', 'b']);
    expect(of(actions, 'block').map((b) => [b.app, b.jobs.length])).toEqual([['b', 1]]);
  });

  it('blocks a job too big for every host with the resource it lacks', () => {
    const hosts = [testHost('h1', { memoryGiB: 4, cpu: 2000 }), testHost('h2', { memoryGiB: 8, cpu: 1000 })];
    const reason = (memory: number, cpu: number) => of(run([testFormation('a', 'r1', { web: 1 }, big(memory, cpu))], { hosts, jobs: [] }), 'block')[0]?.reason;
    expect(reason(16 * GiB, 100)).toBe('no host has 16384 MiB memory free');
    expect(reason(GiB, 4000)).toBe('no host has 4000 milli-CPU free');
    expect(reason(16 * GiB, 4000)).toBe('no host has 16384 MiB memory and 4000 milli-CPU free');
    // Each resource fits somewhere, but never both on one host.
    expect(reason(6 * GiB, 1500)).toBe('no host has 6144 MiB memory and 1500 milli-CPU free');
    expect(reason(Math.round(1.5 * MiB), 100)).toBeUndefined();
  });

  it('uses the request, else the limit, else 1 GiB / 1000 milli', () => {
    const types = { a: { resources: { memory: { limit: 2 * GiB } } }, b: { resources: { memory: { request: MiB, limit: GiB }, cpu: { limit: 500 } } }, c: {} };
    const starts = of(run([testFormation('x', 'r', { a: 1, b: 1, c: 1 }, { types })], { hosts: hosts3, jobs: [] }), 'start');
    expect(Object.fromEntries(starts.map((s) => [s.job.type, s.job.resources]))).toEqual({
      a: { memory: 2 * GiB, cpu: 1000 },
      b: { memory: MiB, cpu: 500 },
      c: { memory: GiB, cpu: 1000 },
    });
  });

  it('counts stopping jobs and one-off jobs on their host', () => {
    const hosts = [testHost('h1', { memoryGiB: 2 })];
    const jobs = [job('s', 'h1', { app: 'b', state: 'stopping' }), job('o', 'h1', { app: 'b', type: 'run', oneOff: true })];
    const actions = run([testFormation('a', 'r1', { web: 1 })], { hosts, jobs });
    expect(of(actions, 'block')[0]?.reason).toBe('no host has 1024 MiB memory free');
  });

  it('blocks a type whose request is unusable', () => {
    const actions = run([testFormation('a', 'r1', { web: 1 }, big(-1))], { hosts: hosts3, jobs: [] });
    expect(of(actions, 'block')[0]?.reason).toBe('invalid memory request -1');
  });
});

describe('plan: tags, hosts and failures', () => {
  const ssd = { tags: { web: { disk: 'ssd' } } };

  it('places only on hosts whose tags match, and blocks with the tags when none does', () => {
    const hosts = [testHost('h1'), testHost('h2', { tags: { disk: 'ssd', zone: 'a' } })];
    expect(of(run([testFormation('a', 'r1', { web: 2 }, ssd)], { hosts, jobs: [] }), 'start').map((s) => s.hostId)).toEqual(['h2', 'h2']);
    const none = run([testFormation('a', 'r1', { web: 2 }, ssd)], { hosts: [testHost('h1')], jobs: [] });
    expect(of(none, 'block')).toMatchObject([{ reason: 'no host matches tags disk=ssd', jobs: [{ state: 'blocked' }, { state: 'blocked' }] }]);
    expect(of(run([testFormation('a', 'r1', { web: 1 })], { hosts: [], jobs: [] }), 'block')[0]?.reason).toBe('no active hosts');
  });

  it('stops a job whose host no longer matches and places its replacement on one that does', () => {
    const hosts = [testHost('h1'), testHost('h2', { tags: { disk: 'ssd' } })];
    const actions = run([testFormation('a', 'r1', { web: 1 }, ssd)], { hosts, jobs: [job('j1', 'h1')] });
    expect(of(actions, 'stop')).toMatchObject([{ jobId: 'j1', reason: 'tags' }]);
    expect(of(actions, 'start').map((s) => s.hostId)).toEqual(['h2']);
  });

  it('places a blocked job (same id) once a matching host exists', () => {
    const blocked = job('b1', undefined, { state: 'blocked' });
    const actions = run([testFormation('a', 'r1', { web: 1 }, ssd)], { hosts: [testHost('h9', { tags: { disk: 'ssd' } })], jobs: [blocked] });
    expect(of(actions, 'start')).toMatchObject([{ hostId: 'h9', job: { id: 'b1', state: 'pending', hostId: 'h9' } }]);
  });

  it('does not place on draining or unhealthy hosts', () => {
    const hosts = [testHost('h1', { shutdown: true }), testHost('h2', { health: 'unhealthy' }), testHost('h3')];
    expect(of(run([testFormation('a', 'r1', { web: 3 })], { hosts, jobs: [] }), 'start').map((s) => s.hostId)).toEqual(['h3', 'h3', 'h3']);
  });

  it('reports jobs on a down or vanished host as lost and replaces them', () => {
    const hosts = [testHost('h1', { health: 'down' }), testHost('h2')];
    const jobs = [job('j1', 'h1'), job('j2', 'gone'), job('j3', 'h2'), job('run', 'h1', { oneOff: true, type: 'run' })];
    const actions = run([testFormation('a', 'r1', { web: 3 })], { hosts, jobs });
    expect(of(actions, 'lost').map((l) => l.jobId)).toEqual(['j1', 'j2', 'run']);
    expect(of(actions, 'start').map((s) => s.hostId)).toEqual(['h2', 'h2']);
  });

  it('keeps a pending restart until its run_at, then places it under its own id', () => {
    const restart = job('r1', undefined, { state: 'pending', restarts: 6, runAt: NOW + 10_000 });
    const f = [testFormation('a', 'r1', { web: 1 })];
    expect(run(f, { hosts: hosts3, jobs: [restart] })).toEqual([]);
    const later = plan(f, { hosts: hosts3, jobs: [restart] }, { now: NOW + 10_000, random: seededRandom(1) });
    expect(of(later, 'start')).toMatchObject([{ job: { id: 'r1', restarts: 6 } }]);
  });

  it('blocks counts for a type the release does not have', () => {
    const f = testFormation('a', 'r1', { web: 1 });
    f.processes.ghost = 2;
    expect(of(run([f], { hosts: hosts3, jobs: [] }), 'block')).toMatchObject([{ type: 'ghost', reason: 'release r1 has no process type "ghost"' }]);
  });
});

describe('plan: omni types', () => {
  const omni = (n: number, extra = {}) => testFormation('a', 'r1', { agent: n }, { types: { agent: { omni: true } }, ...extra });

  it('runs count × active hosts, one per host per unit', () => {
    const starts = of(run([omni(2)], { hosts: hosts3, jobs: [] }), 'start');
    expect(starts.map((s) => s.hostId).sort()).toEqual(['h1', 'h1', 'h2', 'h2', 'h3', 'h3']);
  });

  it('gives a new host its own and ignores draining hosts', () => {
    const jobs = [job('a1', 'h1', { type: 'agent' }), job('a2', 'h2', { type: 'agent' })];
    const hosts = [...hosts3, testHost('h4', { shutdown: true })];
    expect(of(run([omni(1)], { hosts, jobs }), 'start').map((s) => s.hostId)).toEqual(['h3']);
  });

  it('stops the omni job of a draining host, extras on a host, and those on hosts whose tags no longer match', () => {
    const hosts = [testHost('h1', { shutdown: true }), testHost('h2', { tags: { role: 'x' } }), testHost('h3', { tags: { role: 'x' } })];
    const jobs = [job('d', 'h1', { type: 'agent' }), job('x1', 'h2', { type: 'agent', startedAt: 1 }), job('x2', 'h2', { type: 'agent', startedAt: 2 }), job('x3', 'h3', { type: 'agent' })];
    const stops = of(run([omni(1, { tags: { agent: { role: 'x' } } })], { hosts, jobs }), 'stop');
    expect(stops.map((s) => [s.jobId, s.reason])).toEqual([
      ['d', 'omni-surplus'],
      ['x2', 'omni-surplus'],
    ]);
    const moved = [testHost('h2', { tags: { role: 'y' } }), testHost('h3', { tags: { role: 'x' } })];
    expect(of(run([omni(1, { tags: { agent: { role: 'x' } } })], { hosts: moved, jobs: [job('x1', 'h2', { type: 'agent' }), job('x3', 'h3', { type: 'agent' })] }), 'stop')).toMatchObject([{ jobId: 'x1', reason: 'tags' }]);
  });

  it('blocks a host without room for its omni job, naming the host', () => {
    const hosts = [testHost('h1', { memoryGiB: 0.5 }), testHost('h2')];
    const actions = run([omni(1)], { hosts, jobs: [] });
    expect(of(actions, 'start').map((s) => s.hostId)).toEqual(['h2']);
    expect(of(actions, 'block')).toMatchObject([{ reason: 'host h1 does not have 1024 MiB memory free' }]);
  });

  it('a restart backing off holds its slot; a ready one is placed on a host that lacks one', () => {
    const jobs = [job('a1', 'h1', { type: 'agent' }), job('wait', undefined, { type: 'agent', state: 'pending', runAt: NOW + 1 }), job('ready', undefined, { type: 'agent', state: 'pending', runAt: NOW - 1 })];
    const actions = run([omni(1)], { hosts: hosts3, jobs });
    const starts = of(actions, 'start');
    expect(starts.map((s) => s.job.id)).toEqual(['ready']);
    expect(starts[0]!.hostId).not.toBe('h1');
    expect(of(actions, 'stop')).toEqual([]);
  });
});

describe('plan: critical apps', () => {
  const critical = { appMeta: { 'flynn-system-critical': 'true' } };

  it('refuses to scale the only active formation of a critical app to zero', () => {
    const jobs = [job('j1', 'h1'), job('j2', 'h2')];
    const actions = run([testFormation('a', 'r1', { web: 0 }, critical)], { hosts: hosts3, jobs });
    expect(of(actions, 'stop')).toEqual([]);
    expect(of(actions, 'refuse')).toMatchObject([{ app: 'a', release: 'r1', type: 'web' }]);
  });

  it('allows it when another release of the app runs jobs (a deploy)', () => {
    const jobs = [job('j1', 'h1'), job('n1', 'h2', { release: 'r2' })];
    const actions = run([testFormation('a', 'r1', { web: 0 }, critical), testFormation('a', 'r2', { web: 1 }, critical)], { hosts: hosts3, jobs });
    expect(of(actions, 'stop').map((s) => s.jobId)).toEqual(['j1']);
    expect(of(actions, 'refuse')).toEqual([]);
  });

  it('scales a critical app down to any count but zero', () => {
    const jobs = [job('j1', 'h1', { startedAt: 1 }), job('j2', 'h2', { startedAt: 2 })];
    expect(of(run([testFormation('a', 'r1', { web: 1 }, critical)], { hosts: hosts3, jobs }), 'stop').map((s) => s.jobId)).toEqual(['j2']);
  });
});

describe('plan + applyActions', () => {
  it('converges: a second plan on the applied view starts and stops nothing', () => {
    const hosts = [testHost('h1', { memoryGiB: 4 }), testHost('h2', { memoryGiB: 4 })];
    const f = [testFormation('a', 'r1', { web: 5, worker: 3 })];
    const x = job('x', 'h1', { startedAt: 1, resources: { memory: 2 * GiB, cpu: 100 } });
    const first = run(f, { hosts, jobs: [x] });
    expect(of(first, 'block').flatMap((b) => b.jobs)).toHaveLength(1);
    const applied = applyActions({ hosts, jobs: [x] }, first);
    const second = plan(f, applied, { now: NOW, random: seededRandom(9) });
    expect(second.filter((a) => a.kind === 'start' || a.kind === 'stop')).toEqual([]);
    // blocked jobs keep their ids from one plan to the next
    const ids = (as: Action[]) => of(as, 'block').flatMap((b) => b.jobs.map((j) => j.id)).sort();
    expect(ids(second)).toHaveLength(1);
    expect(ids(second)).toEqual(ids(first));
    expect(settleView(applied, NOW).jobs.filter((j) => j.state === 'up')).toHaveLength(7);
  });
});
