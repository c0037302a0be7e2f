import { describe, expect, it } from 'vitest';
import { GiB, MiB } from '../core/model.js';
import { formationFromWire, hostJobFacts, hostJobFor, mountspecsFor, uuidOfHostJob } from './translate.js';
import type { WireExpandedFormation } from './wire.js';

const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

const ef = (extra: Partial<WireExpandedFormation> = {}): WireExpandedFormation => ({
  app: { id: 'a1', name: 'blog', meta: { 'flynn-system-app': 'true' } },
  release: {
    id: 'r1',
    env: { A: '1', B: 'release' },
    processes: {
      web: {
        args: ['node', 'server.js'],
        env: { B: 'type' },
        ports: [{ port: 8080, proto: 'tcp' }],
        service: 'blog-web',
        resources: { memory: { request: 512 * MiB, limit: GiB }, cpu: { limit: 500 }, max_fd: { limit: 100 } },
        omni: false,
        linux_capabilities: ['CAP_NET_BIND_SERVICE'],
      },
      agent: { omni: true, ports: [{ port: 9000, proto: 'udp', service: { name: 'agent', create: true } }] },
    },
  },
  artifacts: [
    {
      id: 'art1',
      type: 'flynn',
      layer_url_template: 'http://blobstore/layers/{id}.squashfs',
      manifest: { entrypoints: { _default: { args: ['/bin/init'] } }, rootfs: [{ layers: [{ id: 'l1', length: 10, hashes: { sha512_256: 'ab' } }] }] },
    },
  ],
  processes: { web: 2, agent: 1 },
  tags: { web: { disk: 'ssd' } },
  ...extra,
});

describe('formationFromWire', () => {
  it('keeps what placement needs: counts, tags, omni, service, memory/cpu requests, app meta', () => {
    expect(formationFromWire(ef())).toEqual({
      app: 'a1',
      release: 'r1',
      processes: { web: 2, agent: 1 },
      tags: { web: { disk: 'ssd' } },
      types: {
        web: { service: 'blog-web', resources: { memory: { request: 512 * MiB, limit: GiB }, cpu: { limit: 500 } } },
        agent: { omni: true },
      },
      appMeta: { 'flynn-system-app': 'true' },
    });
  });

  it('wants nothing of a deleted formation', () => {
    expect(formationFromWire(ef({ deleted: true })).processes).toEqual({ web: 0, agent: 0 });
  });
});

describe('hostJobFor', () => {
  it('builds the host job: id, metadata, env (controller keys win), ports with the service, resources, mountspecs, partition', () => {
    const job = hostJobFor({ formation: ef(), type: 'web', uuid: UUID, hostId: 'h1', restarts: 2 });
    expect(job).toEqual({
      id: `h1-${UUID}`,
      metadata: {
        'flynn-controller.app': 'a1',
        'flynn-controller.app_name': 'blog',
        'flynn-controller.release': 'r1',
        'flynn-controller.type': 'web',
        'flynn-controller.formation': 'true',
        'flynn-scheduler.restarts': '2',
      },
      config: {
        args: ['node', 'server.js'],
        env: { A: '1', B: 'type', FLYNN_APP_ID: 'a1', FLYNN_APP_NAME: 'blog', FLYNN_RELEASE_ID: 'r1', FLYNN_PROCESS_TYPE: 'web', FLYNN_JOB_ID: `h1-${UUID}` },
        ports: [{ port: 8080, proto: 'tcp', service: { name: 'blog-web', create: true } }],
        linux_capabilities: ['CAP_NET_BIND_SERVICE'],
      },
      resources: { memory: { request: 512 * MiB, limit: GiB }, cpu: { limit: 500 }, max_fd: { limit: 100 } },
      mountspecs: [{ type: 'squashfs', id: 'l1', url: 'http://blobstore/layers/l1.squashfs', size: 10, hashes: { sha512_256: 'ab' } }],
      partition: 'system',
    });
  });

  it('keeps a port’s own service, and takes the image entrypoint when the type has no args', () => {
    const job = hostJobFor({ formation: ef(), type: 'agent', uuid: UUID, hostId: 'h1', restarts: 0 });
    expect(job.config.ports).toEqual([{ port: 9000, proto: 'udp', service: { name: 'agent', create: true } }]);
    expect(job.config.args).toEqual(['/bin/init']);
  });

  it('ignores artifacts without a flynn manifest', () => {
    expect(mountspecsFor([{ id: 'd', type: 'docker', uri: 'docker://x' }, { id: 'f', type: 'flynn', manifest: 'nope' }])).toEqual([]);
  });
});

describe('hostJobFacts', () => {
  it('reads a host’s job: uuid, controller metadata, formation flag, restarts, resources, times', () => {
    const facts = hostJobFacts('h1', `h1-${UUID}`, {
      job: {
        id: `h1-${UUID}`,
        metadata: { 'flynn-controller.app': 'a1', 'flynn-controller.release': 'r1', 'flynn-controller.type': 'web', 'flynn-controller.formation': 'true', 'flynn-scheduler.restarts': '3' },
        resources: { memory: { limit: 2 * GiB }, cpu: { request: 250 } },
        config: {},
      },
      status: 'running',
      started_at: '2026-01-01T00:00:00Z',
      exit_status: 0,
    });
    expect(facts).toEqual({
      uuid: UUID,
      hostJobId: `h1-${UUID}`,
      status: 'running',
      app: 'a1',
      release: 'r1',
      type: 'web',
      formation: true,
      restarts: 3,
      resources: { memory: 2 * GiB, cpu: 250 },
      startedAt: Date.parse('2026-01-01T00:00:00Z'),
      exitStatus: 0,
    });
  });

  it('treats jobs without the formation flag as one-off, and ignores ids it cannot own', () => {
    expect(hostJobFacts('h1', `h1-${UUID}`, { job: { id: 'x', config: {} }, status: 'starting' })).toMatchObject({ formation: false, restarts: 0, resources: { memory: GiB, cpu: 1000 } });
    expect(hostJobFacts('h1', 'h1-web', { job: { id: 'x', config: {} }, status: 'running' })).toBeUndefined();
    expect(uuidOfHostJob('h1', `h2-${UUID}`)).toBeUndefined();
    expect(uuidOfHostJob('h-1', `h-1-${UUID.toUpperCase()}`)).toBe(UUID);
  });
});
