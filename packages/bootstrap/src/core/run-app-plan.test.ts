import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import type { NormalizedRelease } from './run-app-plan.js';
import { capCounts, hostJobFor, normalizeRelease, planJobs, uuidV4, withNewId } from './run-app-plan.js';

const at = { index: 3, id: 'controller', action: 'run-app' };

describe('capCounts (singleton mode)', () => {
  it('caps every count at 1 in singleton mode and keeps zeros', () => {
    expect(capCounts({ web: 3, worker: 1, clock: 0 }, true)).toEqual({ web: 1, worker: 1, clock: 0 });
    expect(capCounts({ web: 3, worker: 1, clock: 0 }, false)).toEqual({ web: 3, worker: 1, clock: 0 });
  });
});

describe('planJobs', () => {
  const hosts = ['h1', 'h2', 'h3'];
  it('puts omni types on every host (count per host) and spreads the others round-robin', () => {
    const jobs = planJobs({ processes: { web: 4, agent: 2 }, isOmni: (t) => t === 'agent', hostIds: hosts, random: seededRandom(1) });
    const agent = jobs.filter((j) => j.type === 'agent').map((j) => j.hostId).sort();
    expect(agent).toEqual(['h1', 'h1', 'h2', 'h2', 'h3', 'h3']);
    const web = jobs.filter((j) => j.type === 'web').map((j) => j.hostId);
    expect(web).toHaveLength(4);
    expect(new Set(web.slice(0, 3)).size).toBe(3); // the first three on three different hosts
    expect(web[3]).toBe(web[0]);
    expect(new Set(jobs.map((j) => j.uuid)).size).toBe(jobs.length);
  });

  it('is deterministic for a seed and varies with it', () => {
    const run = (seed: number) => planJobs({ processes: { web: 2 }, isOmni: () => false, hostIds: hosts, random: seededRandom(seed) });
    expect(run(7)).toEqual(run(7));
    const firsts = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => run(s)[0]!.hostId));
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('with singleton capping, one job per type on one host', () => {
    const jobs = planJobs({ processes: capCounts({ web: 3, scheduler: 2 }, true), isOmni: (t) => t === 'scheduler', hostIds: ['only'], random: seededRandom(2) });
    expect(jobs.map((j) => `${j.type}@${j.hostId}`)).toEqual(['scheduler@only', 'web@only']);
  });

  it('plans nothing without hosts', () => {
    expect(planJobs({ processes: { web: 1 }, isOmni: () => false, hostIds: [], random: seededRandom(1) })).toEqual([]);
  });
});

describe('uuidV4', () => {
  it('is an RFC 4122 version 4 uuid', () => {
    const r = seededRandom(3);
    for (let i = 0; i < 20; i++) expect(uuidV4(r)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('normalizeRelease', () => {
  it('reads templated ports as numbers, defaults the protocol, keeps other fields', () => {
    const r = normalizeRelease({ env: { A: '1' }, processes: { web: { args: ['x'], omni: true, ports: [{ port: '8080' }, { port: 53, proto: 'udp', service: { name: 'dns' } }] } } }, at);
    expect(r).toEqual({ env: { A: '1' }, meta: {}, processes: { web: { args: ['x'], omni: true, ports: [{ port: 8080, proto: 'tcp' }, { port: 53, proto: 'udp', service: { name: 'dns' } }] } } });
  });

  it('names the field of a port that is not a number', () => {
    expect(() => normalizeRelease({ processes: { web: { ports: [{ port: 'http' }] } } }, at)).toThrow('step 3 (controller): run-app: field "release.processes.web.ports[0].port": must be an integer, got "http"');
  });
});

describe('hostJobFor', () => {
  const release: NormalizedRelease = {
    env: { SHARED: 'r', OVERRIDE: 'release' },
    meta: {},
    processes: {
      web: {
        args: ['node', 'main.js'],
        env: { OVERRIDE: 'process' },
        service: 'controller',
        ports: [{ port: 80, proto: 'tcp' }],
        host_network: true,
        resurrect: true,
        resources: { memory: { request: 1, limit: 2 } },
        linux_capabilities: ['CAP_NET_ADMIN'],
      },
      worker: {},
    },
  };
  const app = { id: 'app-id', name: 'controller', meta: { 'flynn-system-app': 'true' } };

  it('is shaped like the scheduler’s formation jobs, so the scheduler adopts it', () => {
    const job = hostJobFor({ app, releaseId: 'rel-id', release, type: 'web', hostId: 'host1', uuid: 'u-1' });
    expect(job).toEqual({
      id: 'host1-u-1',
      metadata: {
        'flynn-controller.app': 'app-id',
        'flynn-controller.app_name': 'controller',
        'flynn-controller.release': 'rel-id',
        'flynn-controller.type': 'web',
        'flynn-controller.formation': 'true',
        'flynn-scheduler.restarts': '0',
      },
      config: {
        args: ['node', 'main.js'],
        env: {
          SHARED: 'r',
          OVERRIDE: 'process',
          FLYNN_APP_ID: 'app-id',
          FLYNN_APP_NAME: 'controller',
          FLYNN_RELEASE_ID: 'rel-id',
          FLYNN_PROCESS_TYPE: 'web',
          FLYNN_JOB_ID: 'host1-u-1',
        },
        ports: [{ port: 80, proto: 'tcp', service: { name: 'controller', create: true } }],
        host_network: true,
        linux_capabilities: ['CAP_NET_ADMIN'],
      },
      resurrect: true,
      resources: { memory: { request: 1, limit: 2 } },
      partition: 'system',
    });
  });

  it('takes the image entrypoint, mountspecs and volumes when given', () => {
    const job = hostJobFor({
      app: { id: 'a', name: 'pg' },
      releaseId: 'r',
      release,
      type: 'worker',
      hostId: 'h',
      uuid: 'u',
      entrypointArgs: ['/bin/start'],
      mountspecs: [{ type: 'squashfs', id: 'l1', url: 'http://x/l1' }],
      volumes: [{ target: '/data', volume: 'v1', writeable: true }],
    });
    expect(job.config.args).toEqual(['/bin/start']);
    expect(job.mountspecs).toEqual([{ type: 'squashfs', id: 'l1', url: 'http://x/l1' }]);
    expect(job.config.volumes).toEqual([{ target: '/data', volume: 'v1', writeable: true }]);
    expect(job.partition).toBeUndefined();
  });

  it('withNewId gives a recorded job a new id and FLYNN_JOB_ID', () => {
    const job = hostJobFor({ app, releaseId: 'r', release, type: 'web', hostId: 'host1', uuid: 'old' });
    const again = withNewId(job, 'host1', 'new');
    expect(again.id).toBe('host1-new');
    expect(again.config.env?.FLYNN_JOB_ID).toBe('host1-new');
    expect(job.id).toBe('host1-old');
    expect(again.metadata).toEqual(job.metadata);
  });
});
