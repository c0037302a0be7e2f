import { describe, expect, it } from 'vitest';
import { buildOneOffJob, imageEntrypoint, mountspecsFor } from './one-off-job.js';
import type { OneOffJobPlan } from './one-off-job.js';
import { parseNewJob } from './new-job-input.js';

const app = { id: 'a0000000-0000-4000-8000-000000000001', name: 'blog' };
const release = { id: 'r0000000-0000-4000-8000-000000000002', env: { GREETING: 'hello', FLYNN_APP_ID: 'spoofed' }, processes: { web: { args: ['server'], mounts: [{ location: '/srv', target: '/data', writeable: true }] } } };
const manifest = {
  _type: 'application/vnd.flynn.image.manifest.v1+json',
  entrypoints: { _default: { args: ['/bin/sh'], env: { PATH: '/bin', GREETING: 'from image' }, cwd: '/app', uid: 1000, gid: 1000 } },
  rootfs: [{ layers: [{ id: 'layer1', length: 4096, hashes: { sha512_256: 'abc' } }, { hashes: { sha512_256: 'def' }, meta: { k: 'v' } }] }],
};
const flynnArtifact = { type: 'flynn' as const, manifest, layer_url_template: 'http://blobstore.discoverd/layers/{id}.squashfs' };

function plan(body: unknown, extra: Partial<OneOffJobPlan> = {}): OneOffJobPlan {
  return { input: parseNewJob(body), app, release, artifacts: [flynnArtifact], hostId: 'host1', uuid: 'u1', attach: false, ...extra };
}

describe('buildOneOffJob', () => {
  it('builds the host job: id, env order, metadata, mountspecs, stdin only when attached', () => {
    const job = buildOneOffJob(plan({ args: ['sh', '-c', 'echo hi'], release_env: true, env: { GREETING: 'from request' }, meta: { who: 'me' } }, { attach: true }));
    expect(job).toEqual({
      id: 'host1-u1',
      metadata: { who: 'me', 'flynn-controller.app': app.id, 'flynn-controller.app_name': 'blog', 'flynn-controller.release': release.id },
      config: {
        args: ['sh', '-c', 'echo hi'],
        env: {
          PATH: '/bin',
          GREETING: 'from request',
          FLYNN_APP_ID: app.id,
          FLYNN_APP_NAME: 'blog',
          FLYNN_RELEASE_ID: release.id,
          FLYNN_PROCESS_TYPE: '',
          FLYNN_JOB_ID: 'host1-u1',
        },
        stdin: true,
        working_dir: '/app',
        uid: 1000,
        gid: 1000,
      },
      mountspecs: [
        { type: 'squashfs', id: 'layer1', url: 'http://blobstore.discoverd/layers/layer1.squashfs', size: 4096, hashes: { sha512_256: 'abc' } },
        { type: 'squashfs', id: 'def', url: 'http://blobstore.discoverd/layers/def.squashfs', hashes: { sha512_256: 'def' }, meta: { k: 'v' } },
      ],
    });
  });

  it('leaves the release env out without release_env, and uses the image entrypoint without args', () => {
    const job = buildOneOffJob(plan({ tty: true, disable_log: true }));
    expect(job.config.args).toEqual(['/bin/sh']);
    expect(job.config.env?.GREETING).toBe('from image');
    expect(job.config).toMatchObject({ tty: true, disable_log: true });
    expect(job.config.stdin).toBeUndefined();
  });

  it('copies resources, partition, profiles and the mounts of mounts_from', () => {
    const job = buildOneOffJob(plan({ args: ['ls'], resources: { memory: { limit: 1 } }, partition: 'background', profiles: ['kvm'], mounts_from: 'web' }));
    expect(job).toMatchObject({ resources: { memory: { limit: 1 } }, partition: 'background', profiles: ['kvm'], config: { mounts: [{ location: '/srv', target: '/data', writeable: true }] } });
    expect(() => buildOneOffJob(plan({ args: ['ls'], mounts_from: 'worker' }))).toThrow(/mounts_from is not a process type/);
  });

  it('needs a command: args or an image entrypoint', () => {
    expect(() => buildOneOffJob(plan({}, { artifacts: [{ type: 'docker', manifest: undefined, layer_url_template: undefined } as never] }))).toThrow(/args is required/);
  });
});

describe('imageEntrypoint and mountspecsFor', () => {
  it('take the last flynn artifact with an entrypoint; skip other artifact types and junk', () => {
    const base = { type: 'flynn' as const, manifest: { entrypoints: { _default: { args: ['base'] } }, rootfs: [{ layers: [{ id: 'b' }] }] } };
    const slug = { type: 'flynn' as const, manifest: { rootfs: [{ layers: [{ id: 's' }, null, { nope: 1 }] }, 'junk'] } };
    const docker = { type: 'docker' as const, manifest: { rootfs: [{ layers: [{ id: 'd' }] }] } };
    expect(imageEntrypoint([base, slug])?.args).toEqual(['base']);
    expect(mountspecsFor([base, slug, docker]).map((m) => m.id)).toEqual(['b', 's']);
    expect(mountspecsFor([base])[0]).toEqual({ type: 'squashfs', id: 'b' });
  });
});
