// OCI image layout import without root: a layout this file assembles with
// GNU tar (gzip and plain layers, PAX and GNU long names, foreign owners,
// whiteouts and opaque markers, a nested multi-platform index) becomes flynn
// squashfs layers, read back with `unsquashfs -lln`. That the converted
// whiteouts really hide lower files under overlayfs is shown (as root) in
// image-store.priv.test.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlynnError } from '@flynn-ts/core';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOciLayout } from '../src/image/oci-import.js';
import type { OciImport } from '../src/image/oci-import.js';
import { LONG, makeOciLayout } from './image-oci-layout.js';

const missing = missingRequirements({ commands: ['mksquashfs', 'unsquashfs', 'tar', 'gzip'] });

describe.skipIf(missing)('importOciLayout (no root)', () => {
  let tmp = '';
  let layout = '';
  let digests: string[] = [];
  let result: OciImport;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-oci-'));
    layout = join(tmp, 'layout');
    digests = makeOciLayout(layout, join(tmp, 'work')).layers;
    result = await importOciLayout({ layoutDir: layout, outDir: join(tmp, 'out'), ref: 'test:1' });
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const listing = (path: string) => execFileSync('unsquashfs', ['-lln', path], { encoding: 'utf8' });

  it('makes one squashfs layer per OCI layer and a manifest whose id is its hash', () => {
    expect(result.layers).toHaveLength(2);
    expect(result.manifestId).toBe(createHash('sha512-256').update(readFileSync(result.manifestPath)).digest('hex'));
    expect(result.manifest.meta).toMatchObject({ 'oci.ref': 'test:1' });
    expect(result.mountspecs.map((m) => m.id)).toEqual(result.layers.map((l) => l.id));
    for (const [i, m] of result.mountspecs.entries()) {
      expect(m).toMatchObject({ type: 'squashfs', size: result.layers[i]!.length, hashes: { sha512_256: result.layers[i]!.id } });
      expect(m.url).toBe(`file://${result.layers[i]!.path}`);
    }
    expect(result.conversions).toEqual([
      { digest: digests[0], whiteouts: 0, opaqueDirs: 0, rootOpaqueDropped: false },
      { digest: digests[1], whiteouts: 1, opaqueDirs: 2, rootOpaqueDropped: false },
    ]);
  });

  it('takes the entrypoint from the image config', () => {
    expect(result.manifest.entrypoints?._default).toEqual({ args: ['/bin/sh', '-c', 'echo hi'], env: { PATH: '/bin', A: 'b=c' }, cwd: '/srv', uid: 1000, gid: 1001 });
  });

  it('keeps owners and long names (PAX) of the lower layer', () => {
    const l1 = listing(result.layers[0]!.path);
    expect(l1).toMatch(/-rw-r--r-- 1234\/5678\s+5 .* squashfs-root\/etc\/keep/);
    expect(l1).toContain(`squashfs-root/${LONG}`);
  });

  it('turns .wh.<name> into a 0/0 character device and drops the markers', () => {
    const l2 = listing(result.layers[1]!.path);
    expect(l2).toMatch(/c--------- \d+\/\d+\s+0,\s*0 .* squashfs-root\/etc\/gone/);
    expect(l2).toContain('squashfs-root/opq/new');
    expect(l2).toMatch(/d[rwx-]{9} \d+\/\d+ .* squashfs-root\/newdir\n/); // made for its opaque marker
    expect(l2).not.toContain('.wh.');
  });

  it('refuses a layer blob that does not match its digest, and a directory that is no layout', async () => {
    const bad = join(tmp, 'bad');
    const [, l2] = makeOciLayout(bad, join(tmp, 'work-bad')).layers;
    const path = join(bad, 'blobs/sha256', l2!.slice('sha256:'.length));
    const b = readFileSync(path);
    expect(b.subarray(2560, 2564).toString()).toBe('new\n'); // the data of opq/new, the 5th entry
    b[2560] = b[2560]! ^ 1; // still a readable tar, but not the blob the manifest names
    writeFileSync(path, b);
    const err = await importOciLayout({ layoutDir: bad, outDir: join(tmp, 'out-bad') }).catch((e: unknown) => e);
    expect(FlynnError.is(err) && err.code).toBe('FLYNN_HOST_IMAGE_VERIFY');
    const none = await importOciLayout({ layoutDir: join(tmp, 'work'), outDir: join(tmp, 'out-none') }).catch((e: unknown) => e);
    expect(FlynnError.is(none) && none.code).toBe('FLYNN_HOST_IMAGE_INVALID');
    const noRef = await importOciLayout({ layoutDir: layout, outDir: join(tmp, 'out-none'), ref: 'other' }).catch((e: unknown) => e);
    expect((noRef as Error).message).toMatch(/no image named other/);
  });
});
