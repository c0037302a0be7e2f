import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manifestId } from '../hashing.js';
import {
  buildManifest,
  canonicalManifestJson,
  expandLayerUrl,
  IMAGE_MANIFEST_TYPE,
  manifestProblem,
  mountspecsFromManifest,
  normalizeManifest,
  SQUASHFS_LAYER_TYPE,
} from './manifest.js';
import type { ImageManifest } from './manifest.js';

const H1 = '34510d7fb6c0b108121b5f5f2e86f0c4c27a1e6d1dbbbd131189a65fab641775';
const H2 = 'd038205ed955b94a475dfaf81b4e593b77d3b74420d673fb0bf0a7ca8c4cc345';

const manifest: ImageManifest = {
  _type: IMAGE_MANIFEST_TYPE,
  meta: { foo: 'bar' },
  entrypoints: {
    _default: { env: { key: 'default-val' }, cwd: '/', args: ['bash'] },
    web: { env: { key: 'other-val' }, cwd: '/app', args: ['/bin/web-server'], uid: 1000, gid: 1000 },
  },
  rootfs: [
    {
      platform: { architecture: 'amd64', os: 'linux' },
      layers: [
        { id: H1, type: SQUASHFS_LAYER_TYPE, length: 34570240, hashes: { sha512_256: H1 } },
        { id: H2, type: SQUASHFS_LAYER_TYPE, length: 92368896, hashes: { sha512_256: H2 } },
      ],
    },
  ],
};

describe('image manifests', () => {
  it('encode as the original did: Go struct fields sorted by name, no whitespace', () => {
    expect(canonicalManifestJson(manifest)).toBe(
      '{"_type":"application/vnd.flynn.image.manifest.v1+json",' +
        '"entrypoints":{"_default":{"args":["bash"],"cwd":"/","env":{"key":"default-val"}},' +
        '"web":{"args":["/bin/web-server"],"cwd":"/app","env":{"key":"other-val"},"gid":1000,"uid":1000}},' +
        '"meta":{"foo":"bar"},' +
        `"rootfs":[{"layers":[{"hashes":{"sha512_256":"${H1}"},"id":"${H1}","length":34570240,"type":"application/vnd.flynn.image.squashfs.v1"},` +
        `{"hashes":{"sha512_256":"${H2}"},"id":"${H2}","length":92368896,"type":"application/vnd.flynn.image.squashfs.v1"}],` +
        '"platform":{"architecture":"amd64","os":"linux"}}]}',
    );
  });

  it('have as id the hex sha512/256 of that encoding', () => {
    const id = manifestId(manifest);
    expect(id).toBe(createHash('sha512-256').update(canonicalManifestJson(manifest)).digest('hex'));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply omitempty and drop unknown fields, as decoding into the Go structs did', () => {
    const noisy = {
      ...manifest,
      extra: 'dropped',
      meta: {},
      entrypoints: { _default: { env: {}, cwd: '', args: [], uid: 0, linux_capabilities: [], unknown: 1 } },
      rootfs: [{ platform: { architecture: '', os: 'linux' }, layers: [{ id: 'x', length: 0, hashes: {} }] }, { layers: [] }],
    } as unknown as ImageManifest;
    expect(normalizeManifest(noisy)).toEqual({
      _type: IMAGE_MANIFEST_TYPE,
      entrypoints: { _default: { uid: 0 } }, // uid is a pointer in Go: 0 is kept
      rootfs: [{ platform: { os: 'linux' }, layers: [{ id: 'x' }] }, {}],
    });
    // the same manifest with keys in another order has the same id
    const shuffled = JSON.parse(JSON.stringify(manifest), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as ImageManifest;
    expect(manifestId(shuffled)).toBe(manifestId(manifest));
    expect(manifestId({ ...manifest, meta: { foo: 'baz' } })).not.toBe(manifestId(manifest));
  });

  it('buildManifest makes one linux/amd64 rootfs; mountspecs follow it bottom first', () => {
    const m = buildManifest({ layers: [{ id: H1, type: SQUASHFS_LAYER_TYPE, length: 10, hashes: { sha512_256: H1 } }, { id: H2, hashes: { sha512_256: H2 } }] });
    expect(m.rootfs).toEqual([{ platform: { architecture: 'amd64', os: 'linux' }, layers: expect.any(Array) }]);
    expect(mountspecsFromManifest(m, 'http://blobstore.discoverd/layers/{id}.squashfs')).toEqual([
      { type: 'squashfs', id: H1, url: `http://blobstore.discoverd/layers/${H1}.squashfs`, size: 10, hashes: { sha512_256: H1 } },
      { type: 'squashfs', id: H2, url: `http://blobstore.discoverd/layers/${H2}.squashfs`, hashes: { sha512_256: H2 } },
    ]);
    expect(mountspecsFromManifest(m, (l) => `file:///x/${l.id!.slice(0, 4)}`).map((s) => s.url)).toEqual(['file:///x/3451', 'file:///x/d038']);
    expect(expandLayerUrl('a/{id}/{id}', 'x y')).toBe('a/x%20y/x%20y');
  });

  it('manifestProblem names what is wrong', () => {
    expect(manifestProblem(manifest)).toBeUndefined();
    expect(manifestProblem(null)).toMatch(/object/);
    expect(manifestProblem({ _type: 'other' })).toMatch(/_type/);
    expect(manifestProblem({ _type: IMAGE_MANIFEST_TYPE, rootfs: {} })).toMatch(/rootfs/);
    expect(manifestProblem({ _type: IMAGE_MANIFEST_TYPE, rootfs: [{ layers: [{ length: -1 }] }] })).toMatch(/length/);
  });
});
