import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingRequirements } from '@flynn-ts/core/testing';
import { runtimeWrapper } from '../src/runtime/oci-runtime.js';
import { mountSyscalls, perlRuntimeWrapper } from '../src/runtime/perl-runtime-wrapper.js';

// The oci driver's runtime wrappers (what conmon runs as "the runtime": sh, and the Perl one the driver
// prefers), run here against a fake runtime that logs its argv. Their mounts are tested as root in
// runtime-wrapper.priv.test.ts.
const wrappers = [
  { name: 'sh', missing: missingRequirements({ commands: ['sh'] }), make: (dir: string) => runtimeWrapper(dir, '/bin/sh') },
  { name: 'perl', missing: missingRequirements({ commands: ['perl'] }), make: (dir: string) => perlRuntimeWrapper(dir, '/usr/bin/perl', mountSyscalls('x64')!) },
];

describe.each(wrappers)('oci runtime wrapper ($name)', ({ missing, make }) => {
  if (missing) {
    it.skip(missing, () => {});
    return;
  }
  let dir = '';
  let wrapper = '';
  let fake = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-wrapper-'));
    fake = join(dir, 'fake-runtime');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" >>"${join(dir, 'argv')}"; echo >>"${join(dir, 'argv')}"\n[ "$FAIL" = 1 ] && { echo "fake failure" >&2; exit 3; }\nexit 0\n`);
    chmodSync(fake, 0o755);
    wrapper = await make(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string> = {}) => {
    rmSync(join(dir, 'argv'), { force: true });
    const r = spawnSync(wrapper, args, { env: { PATH: '/usr/bin:/bin', FLYNN_RUNTIME: fake, ...env }, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, argv: readFileSync(join(dir, 'argv'), 'utf8').trim() };
  };

  it('turns create into run -d, keeping every other argument in place', () => {
    const r = run(['--root', '/run/x', 'create', '--bundle', '/b dir', '--pid-file', '/p', 'cid']);
    expect(r.status).toBe(0);
    expect(r.argv).toBe('--root|/run/x|run|-d|--bundle|/b dir|--pid-file|/p|cid|');
  });

  it('passes other commands through untouched, and reports the runtime failure', () => {
    expect(run(['--root', '/r', 'delete', '-f', 'create-not']).argv).toBe('--root|/r|delete|-f|create-not|');
    const failed = run(['create', 'c'], { FAIL: '1' });
    expect(failed.status).toBe(3);
    expect(failed.stderr).toContain('fake failure');
  });
});
