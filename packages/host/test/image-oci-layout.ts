// Test fixture: an OCI image layout made with GNU tar (two layers: a gzip one
// with PAX long names and foreign owners, a plain GNU one with whiteouts, an
// opaque directory with and without its own entry, and AUFS junk), behind a
// nested multi-platform index. Used by image-oci.int.test.ts and
// image-store.priv.test.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const LONG = `deep/${'d'.repeat(60)}/${'f'.repeat(90)}.txt`;

/** Writes an OCI layout with two layers into `dir`; returns the layer blob digests. */
export function makeOciLayout(dir: string, work: string): { layers: string[] } {
  const put = (bytes: Buffer, mediaType: string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
    writeFileSync(join(dir, 'blobs/sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const file = (root: string, rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const s1 = join(work, 'l1');
  file(s1, 'etc/keep', 'keep\n');
  file(s1, 'etc/gone', 'gone\n');
  file(s1, 'opq/old', 'old\n');
  file(s1, 'newdir/lower', 'lower\n');
  file(s1, LONG, 'long\n');
  execFileSync('tar', ['--format=pax', '--numeric-owner', '--owner=1234', '--group=5678', '-C', s1, '-czf', join(work, 'l1.tar.gz'), '.']);
  const s2 = join(work, 'l2');
  file(s2, 'etc/.wh.gone', '');
  file(s2, 'opq/.wh..wh..opq', '');
  file(s2, 'opq/new', 'new\n');
  file(s2, 'newdir/.wh..wh..opq', '');
  file(s2, '.wh..wh.plnk/1.2', 'aufs junk');
  // GNU format (long names as 'L' entries); no entry of its own for newdir (one must be made)
  execFileSync('tar', ['--no-recursion', '--numeric-owner', '-C', s2, '-cf', join(work, 'l2.tar'), 'etc', 'etc/.wh.gone', 'opq', 'opq/.wh..wh..opq', 'opq/new', 'newdir/.wh..wh..opq', '.wh..wh.plnk', '.wh..wh.plnk/1.2']);
  const l1 = put(readFileSync(join(work, 'l1.tar.gz')), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const l2 = put(readFileSync(join(work, 'l2.tar')), 'application/vnd.oci.image.layer.v1.tar');
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/bin', 'A=b=c'], Entrypoint: ['/bin/sh'], Cmd: ['-c', 'echo hi'], WorkingDir: '/srv', User: '1000:1001' },
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [l1, l2] })), 'application/vnd.oci.image.manifest.v1+json');
  const index = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 1, platform: { architecture: 'arm64', os: 'linux' } },
          { ...manifest, platform: { architecture: 'amd64', os: 'linux' } },
        ],
      }),
    ),
    'application/vnd.oci.image.index.v1+json',
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': 'test:1' } }] }));
  return { layers: [l1.digest, l2.digest] };
}
