// The busybox test image other tests run jobs from: built without root,
// deterministic, and consistent (manifest id, layer hash, mountspec).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalManifestJson } from '../src/image/core/manifest.js';
import { buildBusyboxImage } from '../src/testing/busybox-image.js';
import type { BusyboxImage } from '../src/testing/busybox-image.js';

const missing = missingRequirements({ commands: ['mksquashfs', 'unsquashfs'], paths: ['/usr/bin/busybox'] });
const sha = (b: Uint8Array | string) => createHash('sha512-256').update(b).digest('hex');

describe.skipIf(missing)('buildBusyboxImage (no root)', () => {
  let tmp = '';
  let img: BusyboxImage;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-bb-'));
    img = await buildBusyboxImage(join(tmp, 'a'));
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('returns one verified file:// mountspec for a layer named by its hash', () => {
    expect(img.mountspecs).toHaveLength(1);
    const [spec] = img.mountspecs;
    const bytes = readFileSync(img.layerPath);
    expect(spec).toEqual({ type: 'squashfs', id: sha(bytes), url: `file://${img.layerPath}`, size: bytes.length, hashes: { sha512_256: sha(bytes) } });
    expect(fileURLToPath(spec!.url!)).toBe(img.layerPath);
    expect(bytes.length).toBeLessThan(4 * 1024 * 1024);
  });

  it('writes the manifest as canonical JSON whose hash is the manifest id', () => {
    const raw = readFileSync(img.manifestPath, 'utf8');
    expect(raw).toBe(canonicalManifestJson(img.manifest));
    expect(sha(raw)).toBe(img.manifestId);
    expect(img.manifest.entrypoints?._default?.args).toEqual(['/bin/sh']);
  });

  it('holds busybox, its applets as links, /etc and a sticky /tmp, all owned by root', () => {
    const list = execFileSync('unsquashfs', ['-lln', img.layerPath], { encoding: 'utf8' });
    expect(list).toMatch(/-rwxr-xr-x 0\/0 .* squashfs-root\/bin\/busybox\n/);
    expect(list).toMatch(/lrwxrwxrwx 0\/0 .* squashfs-root\/bin\/sh -> \/bin\/busybox/);
    expect(list).toMatch(/squashfs-root\/usr\/bin\/env -> \/bin\/busybox/);
    expect(list).toMatch(/drwxrwxrwt 0\/0 .* squashfs-root\/tmp\n/);
    for (const f of ['etc/passwd', 'etc/group', 'etc/resolv.conf', 'etc/hosts']) expect(list).toContain(`squashfs-root/${f}`);
    expect(list).not.toMatch(/ (?!0\/0)\d+\/\d+ /); // nothing owned by anyone else
  });

  it('is deterministic: another directory gets the same layer and manifest id', async () => {
    const again = await buildBusyboxImage(join(tmp, 'b'));
    expect(again.manifestId).toBe(img.manifestId);
    expect(again.mountspecs[0]!.id).toBe(img.mountspecs[0]!.id);
    expect(existsSync(again.layerPath)).toBe(true);
    expect(await buildBusyboxImage(join(tmp, 'b'))).toBe(again); // memoised per directory
  });
});
