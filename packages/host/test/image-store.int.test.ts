// The layer cache without root: layers built with mksquashfs, fetched over a
// loopback HTTP server this file starts and via file://, verified, cached by
// content, fetched once under concurrency. (Mounting needs root: see
// image-store.priv.test.ts.)
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlynnError } from '@flynn-ts/core';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerImageStore } from '../src/image/layer-store.js';
import { buildSquashfsLayer } from '../src/image/squashfs.js';
import type { SquashfsLayer } from '../src/image/squashfs.js';
import type { MountSpec } from '../src/types.js';

const missing = missingRequirements({ commands: ['mksquashfs'] });

const sha = (b: Uint8Array) => createHash('sha512-256').update(b).digest('hex');
const codeOf = (e: unknown) => (FlynnError.is(e) ? e.code : String(e));

describe.skipIf(missing)('LayerImageStore cache (no root)', () => {
  let tmp = '';
  let layer: SquashfsLayer;
  let bytes: Buffer;
  let server: Server;
  let base = '';
  const hits = new Map<string, number>();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-img-'));
    const src = join(tmp, 'src');
    mkdirSync(join(src, 'etc'), { recursive: true });
    writeFileSync(join(src, 'etc/hello'), 'hello from a layer\n');
    layer = await buildSquashfsLayer(src, { outDir: join(tmp, 'built'), allRoot: true, zeroTimes: true });
    bytes = readFileSync(layer.path);
    server = createServer((req, res) => {
      hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
      if (req.url === '/layer.squashfs') {
        // dribble the body out in two chunks so streaming is exercised
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(bytes.subarray(0, 1000));
        setImmediate(() => res.end(bytes.subarray(1000)));
      } else if (req.url === '/corrupt.squashfs') {
        const bad = Buffer.from(bytes);
        bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
        res.end(bad);
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const spec = (over: Partial<MountSpec> = {}): MountSpec => ({
    type: 'squashfs',
    id: layer.id,
    url: `${base}/layer.squashfs`,
    size: layer.length,
    hashes: { sha512_256: layer.id },
    ...over,
  });
  const storeDir = (name: string) => join(tmp, name);

  it('builds content-addressed layers: the id is the sha512_256 of the file', () => {
    expect(layer.id).toBe(sha(bytes));
    expect(layer.path).toBe(join(tmp, 'built', `${layer.id}.squashfs`));
    expect(layer.length).toBe(bytes.length);
  });

  it('fetches over HTTP into <dir>/layers/<sha512_256>.squashfs, then serves the cache', async () => {
    const store = new LayerImageStore({ dir: storeDir('http') });
    const path = await store.ensureLayer(spec());
    expect(path).toBe(join(storeDir('http'), 'layers', `${layer.id}.squashfs`));
    expect(sha(readFileSync(path))).toBe(layer.id);
    expect(hits.get('/layer.squashfs')).toBe(1);
    await store.ensureLayer(spec());
    await new LayerImageStore({ dir: storeDir('http') }).ensureLayer(spec({ url: `${base}/nowhere` })); // cached: URL not even asked
    expect(hits.get('/layer.squashfs')).toBe(1);
    expect(hits.get('/nowhere')).toBeUndefined();
  });

  it('fetches a layer once when many prepare it at the same time', async () => {
    hits.clear();
    const store = new LayerImageStore({ dir: storeDir('concurrent') });
    const paths = await Promise.all(Array.from({ length: 8 }, () => store.ensureLayer(spec())));
    expect(new Set(paths).size).toBe(1);
    expect(hits.get('/layer.squashfs')).toBe(1);
  });

  it('reads file:// URLs', async () => {
    const store = new LayerImageStore({ dir: storeDir('file') });
    const path = await store.ensureLayer(spec({ url: pathToFileURL(layer.path).href }));
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('rejects a layer whose hash does not match, leaving nothing in the cache', async () => {
    const dir = storeDir('mismatch');
    const store = new LayerImageStore({ dir });
    const err = await store.ensureLayer(spec({ url: `${base}/corrupt.squashfs` })).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('FLYNN_HOST_IMAGE_VERIFY');
    expect((err as Error).message).toMatch(/sha512_256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)/);
    expect(readdirSync(join(dir, 'layers'))).toEqual([]);
    // the right bytes under the right hash still work afterwards
    await expect(store.ensureLayer(spec())).resolves.toContain(layer.id);
  });

  it('rejects a wrong size and other declared hashes that do not match', async () => {
    const store = new LayerImageStore({ dir: storeDir('size') });
    const short = await store.ensureLayer(spec({ size: layer.length - 1 })).catch((e: unknown) => e);
    expect(codeOf(short)).toBe('FLYNN_HOST_IMAGE_VERIFY');
    expect((short as Error).message).toMatch(/longer than its size/);
    const long = await store.ensureLayer(spec({ size: layer.length + 1 })).catch((e: unknown) => e);
    expect((long as Error).message).toMatch(/expected \d+/);
    const sha512 = await store.ensureLayer(spec({ hashes: { sha512_256: layer.id, sha512: 'a'.repeat(128) } })).catch((e: unknown) => e);
    expect((sha512 as Error).message).toMatch(/sha512 mismatch/);
  });

  it('reports HTTP failures and unusable mountspecs with typed errors', async () => {
    const store = new LayerImageStore({ dir: storeDir('bad') });
    const notFound = await store.ensureLayer(spec({ url: `${base}/missing`, hashes: { sha512_256: 'f'.repeat(64) } })).catch((e: unknown) => e);
    expect(codeOf(notFound)).toBe('FLYNN_HOST_IMAGE_FETCH');
    expect((notFound as Error).message).toContain('404');
    const refused = await store.ensureLayer(spec({ url: 'http://127.0.0.1:1/x', hashes: { sha512_256: 'e'.repeat(64) } })).catch((e: unknown) => e);
    expect(codeOf(refused)).toBe('FLYNN_HOST_IMAGE_FETCH');
    for (const bad of [
      spec({ hashes: {} }),
      spec({ hashes: { sha512_256: 'xyz' } }),
      spec({ type: 'tar' }),
      spec({ url: 'ftp://example/x' }),
      { type: 'squashfs', id: 'nourl', hashes: { sha512_256: 'd'.repeat(64) } } as MountSpec,
    ]) {
      const e = await store.ensureLayer(bad).catch((x: unknown) => x);
      expect(codeOf(e), JSON.stringify(bad)).toBe('FLYNN_HOST_IMAGE_INVALID');
      expect(FlynnError.is(e) && e.status).toBe(400);
    }
    await expect(store.prepare([])).rejects.toMatchObject({ code: 'FLYNN_HOST_IMAGE_INVALID' });
    await expect(store.prepare([spec({ hashes: {} })])).rejects.toMatchObject({ code: 'FLYNN_HOST_IMAGE_INVALID', detail: { field: 'mountspecs[0]' } });
  });
});
