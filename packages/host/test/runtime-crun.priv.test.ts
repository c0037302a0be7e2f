import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingRequirements } from '@flynn-ts/core/testing';
import { OciDriver } from '../src/runtime/oci-driver.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { makeDriverDirs, specMaker, teardownDriver } from './driver-fixture.js';
import type { FixtureJob } from './driver-fixture.js';
import { collectOutput } from './runtime-fixtures.js';

const missing = missingRequirements({
  root: true,
  commands: ['crun', 'conmon', 'unshare', 'mount', 'umount'],
  paths: ['/usr/bin/busybox', '/usr/bin/tini-static'],
});

/** crun puts a relative cgroup parent under the daemon's own (memory) cgroup path in every hierarchy: remember what existed. */
function cgroupAncestors(): string[] {
  const own = /^\d+:memory:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  const parts = own.split('/').filter(Boolean);
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup'] : readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c));
  const out: string[] = [];
  for (const r of roots) for (let i = 1; i <= parts.length; i++) out.push(join(r, ...parts.slice(0, i)));
  return out;
}

describe.skipIf(missing)('OciDriver with crun (runtime: crun)', () => {
  const cgroupParent = `flynn-test-crun-${process.pid}`;
  let dir = '';
  let lower = '';
  let runtimeRoot = '';
  let driver: OciDriver;
  let existedBefore = new Set<string>();
  const jobs: FixtureJob[] = [];
  const options = () => ({ runtime: 'crun' as const, runtimeRoot, cgroupParent, pollIntervalMs: 100 });
  const spec = specMaker(jobs, () => ({ dir, lower }));

  /** Removes the ancestors crun created (see cgroupAncestors) that are empty now. */
  const removeNewCgroupAncestors = () => {
    for (const d of cgroupAncestors().reverse()) {
      if (existedBefore.has(d) || !existsSync(d)) continue;
      try {
        rmdirSync(d);
      } catch {
        /* in use: not ours to force */
      }
    }
  };

  beforeAll(() => {
    existedBefore = new Set(cgroupAncestors().filter((d) => existsSync(d)));
    ({ dir, lower, runtimeRoot } = makeDriverDirs('flynn-crun-', 'crun-root'));
    driver = new OciDriver(options());
  });

  afterAll(async () => {
    const wrapper = join(runtimeRoot, 'crun-hybrid');
    const cli = existsSync(wrapper) ? wrapper : 'crun';
    await teardownDriver({ driver, jobs, dir, runtimeRoot, cgroupParent, cli, beforeRemove: removeNewCgroupAncestors });
  });

  it('runs a job: exit code, output, hostname', async () => {
    const h = await driver.start(spec('c-exit', ['sh', '-c', 'hostname; echo err >&2; exit 5']));
    const [exit, out] = await Promise.all([h.wait(), collectOutput(h.output())]);
    expect(exit).toEqual({ code: 5, oomKilled: false });
    expect([out.stdout, out.stderr]).toEqual(['job-c-exit\n', 'err\n']);
  });

  it('stops on SIGTERM through tini and reports OOM kills', async () => {
    const h = await driver.start(spec('c-term', ['sleep', '1000']));
    await h.signal(15);
    expect(await h.wait()).toEqual({ code: 143, signal: 'SIGTERM', oomKilled: false });
    const oom = await driver.start(spec('c-oom', ['sh', '-c', 'head -c 200m /dev/zero | tail'], { limits: { memoryBytes: 32 << 20 } }));
    expect(await oom.wait()).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: true });
  });

  it('re-attaches from a new driver instance and cleans up', async () => {
    const s = spec('c-re', ['sh', '-c', 'echo up; exec sleep 1000']);
    const h = await driver.start(s);
    const again = (await new OciDriver(options()).reattach('c-re', s.stateDir))!;
    expect(again.pid).toBe(h.pid);
    await again.signal(9);
    expect(await again.wait()).toMatchObject({ code: 137 });
    expect((await collectOutput(again.output())).stdout).toBe('up\n');
    await driver.cleanup('c-re', s.stateDir);
    expect(existsSync(s.stateDir)).toBe(false);
    expect(await mountsUnder(s.stateDir)).toEqual([]);
  });
});
