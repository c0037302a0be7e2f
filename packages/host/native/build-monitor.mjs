#!/usr/bin/env node
// Builds flynn-monitor (native/flynn-monitor.c, libc only) into build/Release/flynn-monitor with the C
// compiler `$CC` (default `cc`). Run at `npm install` (the package's `install` script): a missing compiler
// or a failed build only warns, and the oci driver then supervises containers with conmon instead.
// `--strict` (the `build:native` script): fail on any error instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(pkg, 'build', 'Release', 'flynn-monitor');

function give(reason) {
  if (strict) {
    console.error(`flynn-monitor: ${reason}`);
    process.exit(1);
  }
  console.warn(`@flynn-ts/host: flynn-monitor not built (${reason}); the oci driver will use conmon`);
  process.exit(0);
}

if (process.platform !== 'linux') give(`${process.platform} is not Linux`);
const cc = process.env.CC || 'cc';
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-std=c11', '-O2', '-Wall', '-Wextra', '-o', tmp, join(pkg, 'native', 'flynn-monitor.c')];
const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error || r.status !== 0) {
  rmSync(tmp, { force: true });
  give(r.error ? `${cc}: ${r.error.message}` : `${cc} exited ${r.status}`);
}
// Rename into place: a daemon exec'ing the old binary never sees a half-written file.
renameSync(tmp, out);
