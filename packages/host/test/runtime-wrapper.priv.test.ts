import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeWrapper } from '../src/runtime/oci-runtime.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { mountSyscalls, perlRuntimeWrapper } from '../src/runtime/perl-runtime-wrapper.js';
import { rootfsMountOptions } from '../src/runtime/rootfs.js';

// The runtime wrappers' mounts (root): for `create` they mount the tmpfs and the overlay rootfs, then exec the
// runtime (a fake here, which reports what it sees); a failing overlay mount undoes the tmpfs and fails with a
// message. Both wrappers behave the same; the driver prefers the Perl one (mount(2) directly, one process).
const sys = mountSyscalls(process.arch);
const missing = missingRequirements({ root: true, commands: ['perl', 'sh', 'mount', 'umount'] }) ?? (sys ? undefined : `no mount(2) syscall number for ${process.arch}`);

describe.skipIf(missing)('runtime wrapper mounts (root)', () => {
  let dir = '';
  let fake = '';
  let lower = '';
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-wrapper-mnt-'));
    lower = join(dir, 'lower');
    mkdirSync(join(lower, 'etc'), { recursive: true });
    writeFileSync(join(lower, 'etc', 'from-layer'), 'layer\n');
    fake = join(dir, 'fake-runtime');
    // The fake runtime proves the rootfs is mounted when it runs: it lists the merged root and writes into it.
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" >"$FLYNN_ROOTFS.argv"\ncat "$FLYNN_ROOTFS/etc/from-layer" >"$FLYNN_ROOTFS.seen" && echo upper >"$FLYNN_ROOTFS/new"\n`);
    chmodSync(fake, 0o755);
  });
  afterAll(async () => {
    if (!dir) return;
    for (const m of (await mountsUnder(dir)).reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (wrapper: string, lowerDirs: string[]) => {
    const job = join(dir, `job${++n}`);
    const scratch = join(job, 'scratch');
    const rootfs = join(job, 'rootfs');
    mkdirSync(scratch, { recursive: true });
    mkdirSync(rootfs, { recursive: true });
    const opts = rootfsMountOptions({ scratch, lowerDirs, sizeBytes: 1 << 20 });
    const r = spawnSync(wrapper, ['--root', '/r', 'create', '--bundle', job, 'cid'], {
      env: { PATH: '/usr/bin:/bin', FLYNN_RUNTIME: fake, FLYNN_ROOTFS: rootfs, FLYNN_SCRATCH: scratch, FLYNN_TMPFS_OPTS: opts.tmpfsOptions, FLYNN_OVERLAY_OPTS: opts.overlayOptions },
      encoding: 'utf8',
    });
    return { r, job, scratch, rootfs, mounts: await mountsUnder(job) };
  };

  for (const kind of ['perl', 'sh'] as const) {
    it(`${kind}: mounts tmpfs + overlay, then runs the runtime with run -d; writes land in the tmpfs upper`, async () => {
      const wrapper = kind === 'perl' ? await perlRuntimeWrapper(join(dir, kind), '/usr/bin/perl', sys!) : await runtimeWrapper(join(dir, kind), '/bin/sh');
      const { r, scratch, rootfs, mounts } = await run(wrapper, [lower]);
      expect(r.status, r.stderr).toBe(0);
      expect(mounts.sort()).toEqual([rootfs, scratch].sort());
      expect(readFileSync(`${rootfs}.argv`, 'utf8')).toBe(`--root|/r|run|-d|--bundle|${join(rootfs, '..')}|cid|`);
      expect(readFileSync(`${rootfs}.seen`, 'utf8')).toBe('layer\n');
      expect(readFileSync(join(scratch, 'upper', 'new'), 'utf8')).toBe('upper\n');
      expect(existsSync(join(lower, 'new'))).toBe(false);
      const modes = spawnSync('stat', ['-c', '%a', join(scratch, 'upper'), join(scratch, 'work')], { encoding: 'utf8' }).stdout.split('\n');
      expect(modes.slice(0, 2)).toEqual(['755', '700']);
      for (const m of [rootfs, scratch]) spawnSync('umount', [m]);
    });

    it(`${kind}: a failing overlay mount unmounts the tmpfs again and fails without running the runtime`, async () => {
      const wrapper = kind === 'perl' ? await perlRuntimeWrapper(join(dir, `${kind}-f`), '/usr/bin/perl', sys!) : await runtimeWrapper(join(dir, `${kind}-f`), '/bin/sh');
      const { r, rootfs, mounts } = await run(wrapper, [join(dir, 'no-such-layer')]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(kind === 'perl' ? /flynn-runtime: mount overlay on .*: No such file or directory/ : /mount/);
      expect(mounts).toEqual([]);
      expect(existsSync(`${rootfs}.argv`)).toBe(false);
    });
  }
});
