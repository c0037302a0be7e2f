import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { testJob } from '../testing/fixtures.js';
import type { JobView } from './model.js';
import { nextRunAt, restartBackoff, restartFor, RESTART_RESET_AFTER_MS } from './restart.js';

const NOW = 10_000_000;
const crashed = (fields: Parameters<typeof testJob>[1]) => testJob('old', fields);
const base = { app: 'a', release: 'r1', type: 'web', hostId: 'h1' };

describe('restartBackoff', () => {
  it('is 0 under 5 restarts, 10 s under 15, 30 s after', () => {
    expect([0, 1, 4, 5, 14, 15, 100].map(restartBackoff)).toEqual([0, 0, 0, 10_000, 10_000, 30_000, 30_000]);
  });
});

describe('restartFor', () => {
  it('replaces a crashed job with a new pending job: restarts + 1, run_at = now + backoff', () => {
    const d = restartFor(crashed({ ...base, restarts: 7, startedAt: NOW - 1000, state: 'up' }), { now: NOW, random: seededRandom(1) });
    expect(d.restart).toBe(true);
    if (!d.restart) return;
    expect(d.delayMs).toBe(10_000);
    expect(d.job).toMatchObject({ app: 'a', release: 'r1', type: 'web', state: 'pending', restarts: 8, runAt: NOW + 10_000, createdAt: NOW });
    expect(d.job.id).not.toBe('old');
    expect(d.job.hostId).toBeUndefined();
    expect(d.job.startedAt).toBeUndefined();
  });

  it('starts the count over when the job ran more than 5 minutes', () => {
    const long = restartFor(crashed({ ...base, restarts: 20, startedAt: NOW - RESTART_RESET_AFTER_MS - 1 }), { now: NOW, random: seededRandom(1) });
    expect(long).toMatchObject({ restart: true, delayMs: 0, job: { restarts: 1, runAt: NOW } });
    const exactly = restartFor(crashed({ ...base, restarts: 20, startedAt: NOW - RESTART_RESET_AFTER_MS }), { now: NOW, random: seededRandom(1) });
    expect(exactly).toMatchObject({ restart: true, delayMs: 30_000, job: { restarts: 21 } });
  });

  it('restarts a job that failed before starting, with its count', () => {
    expect(restartFor(crashed({ ...base, restarts: 4, state: 'starting' }), { now: NOW, random: seededRandom(1) })).toMatchObject({ restart: true, delayMs: 0, job: { restarts: 5 } });
  });

  it('never restarts one-off jobs or jobs the scheduler stopped', () => {
    expect(restartFor(crashed({ ...base, oneOff: true }), { now: NOW, random: seededRandom(1) })).toEqual({ restart: false, reason: 'one-off' });
    expect(restartFor(crashed({ ...base, state: 'stopping' }), { now: NOW, random: seededRandom(1) })).toEqual({ restart: false, reason: 'stopped' });
  });

  it('draws the new id from the injected random', () => {
    const job = crashed(base);
    const a = restartFor(job, { now: NOW, random: seededRandom(5) });
    const b = restartFor(job, { now: NOW, random: seededRandom(5) });
    const c = restartFor(job, { now: NOW, random: seededRandom(6) });
    expect(a).toEqual(b);
    expect(a.restart && c.restart && a.job.id !== c.job.id).toBe(true);
  });
});

describe('nextRunAt', () => {
  it('is the earliest future run_at of an unplaced pending job', () => {
    const j = (id: string, f: Partial<JobView>) => testJob(id, { app: 'a', release: 'r1', type: 'web', state: 'pending', ...f });
    const jobs = [j('a', { runAt: NOW + 30 }), j('b', { runAt: NOW + 10 }), j('c', { runAt: NOW - 5 }), j('d', { runAt: NOW + 1, hostId: 'h1' }), j('e', { runAt: NOW + 2, state: 'blocked' })];
    expect(nextRunAt({ hosts: [], jobs }, NOW)).toBe(NOW + 10);
    expect(nextRunAt({ hosts: [], jobs: [j('x', {})] }, NOW)).toBeUndefined();
  });
});
