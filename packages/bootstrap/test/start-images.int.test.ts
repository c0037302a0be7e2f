/**
 * The component images of `npm start` (oci driver), built from this
 * checkout without root: the layers are squashfs files named by their
 * SHA-512/256 (what flynn-host verifies when it fetches them), the
 * manifests are named by their id and list node-runtime + app (component)
 * and node-runtime + demo; node sits at its own path with its libraries,
 * the checkout at its own path with its workspace symlinks, and without
 * tests or dev-only modules; a second build reuses every layer, and a
 * changed source file rebuilds only the app layer.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageManifest } from '@flynn-ts/host';
import { hashFile, manifestId, manifestProblem } from '@flynn-ts/host';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentImages } from '../src/dev/component-image.js';
import { buildComponentImages } from '../src/dev/component-image.js';
import { repo } from './start-harness.js';

const missing = missingRequirements({ commands: ['mksquashfs', 'unsquashfs', 'tar', 'ldd'] });
const root = repo.replace(/\/$/, '');

async function listing(layer: string): Promise<string> {
  const { stdout } = await promisify(execFile)('unsquashfs', ['-l', '-d', '', layer], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

describe.skipIf(missing)('component images', () => {
  let dir: string;
  let first: ComponentImages;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-images-'));
    first = await buildComponentImages({ repoRoot: root, node: process.execPath, dir, say: (l) => lines.push(l) });
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const manifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ImageManifest;
  const layersOf = (path: string) => manifest(path).rootfs?.[0]?.layers ?? [];

  it('writes valid manifests named by their id, with layers named by their hash', async () => {
    expect(first.built).toEqual(['node-runtime', 'app', 'demo']);
    expect(lines.join('\n')).toMatch(/building the app image layer…/);
    for (const img of [first.component, first.demo]) {
      const m = manifest(img.manifestPath);
      expect(manifestProblem(m)).toBeUndefined();
      expect(manifestId(m)).toBe(img.manifestId);
      const layers = layersOf(img.manifestPath);
      expect(layers).toHaveLength(2);
      for (const l of layers) {
        const { hashes, length } = await hashFile(join(first.layersDir, `${l.id}.squashfs`));
        expect(hashes.sha512_256).toBe(l.id);
        expect(length).toBe(l.length);
      }
    }
    expect(layersOf(first.component.manifestPath)[0]!.id).toBe(layersOf(first.demo.manifestPath)[0]!.id);
  });

  it('node with its libraries; the checkout at its own path, without tests or dev-only modules', async () => {
    const [runtime, app] = layersOf(first.component.manifestPath).map((l) => join(first.layersDir, `${l.id}.squashfs`));
    const rt = await listing(runtime!);
    expect(rt).toContain(`\n${process.execPath}\n`);
    expect(rt).toMatch(/\n\/lib\S*\/libc\.so\.6\n/);
    expect(rt).toContain('\n/etc/passwd\n');
    const files = await listing(app!);
    expect(files).toContain(`\n${root}/daemons/controller/src/main.ts\n`);
    expect(files).toContain(`\n${root}/node_modules/tsx/dist/loader.mjs\n`);
    expect(files).toContain(`\n${root}/node_modules/@flynn-ts/core\n`);
    expect(files).not.toContain(`${root}/packages/bootstrap/test/`);
    expect(files).not.toMatch(new RegExp(`${root}/(packages|daemons)/\\S*\\.test\\.ts\n`));
    expect(files).not.toContain(`${root}/node_modules/typescript/`);
    expect(files).not.toContain(`${root}/.git/`);
  });

  it('a second build reuses every layer; a changed file rebuilds only the app layer', async () => {
    // A small checkout of its own: the real one changes under other work.
    const fake = join(dir, 'checkout');
    for (const d of ['packages/x/src', 'packages/x/test', 'packages/bootstrap/demo', 'node_modules/@flynn-ts', 'node_modules/typescript']) mkdirSync(join(fake, d), { recursive: true });
    writeFileSync(join(fake, 'package.json'), '{}');
    writeFileSync(join(fake, 'packages/x/src/a.ts'), 'export const a = 1;\n');
    writeFileSync(join(fake, 'packages/bootstrap/demo/app.mjs'), '');
    symlinkSync('../../packages/x', join(fake, 'node_modules/@flynn-ts/x'));
    const build = () => buildComponentImages({ repoRoot: fake, node: process.execPath, dir: join(dir, 'fake-images') });
    const one = await build();
    expect(one.built).toEqual(['node-runtime', 'app', 'demo']);
    const two = await build();
    expect(two.built).toEqual([]);
    expect(two).toEqual({ ...one, built: [] });
    writeFileSync(join(fake, 'packages/x/src/a.ts'), 'export const a = 22;\n');
    const three = await build();
    expect(three.built).toEqual(['app']);
    expect(three.component.manifestId).not.toBe(one.component.manifestId);
    expect(three.demo).toEqual(one.demo);
  });
});
