/**
 * The release images run (root): each image's layers unpacked in order into
 * a root filesystem, then, in a private mount + network + PID namespace
 * (`unshare`, /proc and /dev mounted in the chroot):
 * - flynn: `/usr/local/bin/node --version` runs, and from a daemon's
 *   directory node resolves `@flynn-ts/*` and its dependencies inside the
 *   image (plain node: the built dist, no source condition);
 * - postgres: the entrypoint initialises /data as the non-root user,
 *   creates the POSTGRES_DATABASES, listens on $PORT and accepts the
 *   POSTGRES_USER/POSTGRES_PASSWORD login over TCP (psql from this machine,
 *   inside the namespace, on its loopback).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageManifest } from '@flynn-ts/host';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReleaseImages } from '../src/images/release-images.js';
import type { ReleaseImages } from '../src/images/release-images.js';
import { REPO_ROOT } from './netns-procs.js';

const PG = '/usr/lib/postgresql/15/bin';
const missing = missingRequirements({
  root: true,
  commands: ['unshare', 'chroot', 'mount', 'umount', 'mksquashfs', 'unsquashfs', 'ldd'],
  paths: ['/usr/bin/busybox', `${PG}/postgres`, `${PG}/psql`, `${PG}/pg_isready`, join(REPO_ROOT, 'daemons/discoverd/dist/main.js')],
});
const sh = promisify(execFile);

describe.skipIf(missing)('release images run (root, chroot)', () => {
  let dir = '';
  let images: ReleaseImages;

  /** Unpacks the image's layers (bottom first) into a fresh directory. */
  const unpack = async (manifestPath: string): Promise<string> => {
    const root = mkdtempSync(join(dir, 'rootfs-'));
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as ImageManifest;
    for (const l of m.rootfs?.[0]?.layers ?? []) await sh('unsquashfs', ['-f', '-q', '-d', root, join(images.layersDir, `${l.id}.squashfs`)], { maxBuffer: 64 << 20 });
    return root;
  };

  /** Runs `script` (sh) in new mount/net/PID namespaces with /proc and /dev mounted under `root`; resolves with stdout. */
  const isolated = async (root: string, script: string): Promise<string> => {
    const setup = `set -e; mount -t proc proc ${root}/proc; mount --rbind /dev ${root}/dev; ip link set lo up 2>/dev/null || busybox ip link set lo up`;
    const { stdout } = await sh('unshare', ['--mount', '--net', '--pid', '--fork', '--mount-proc', 'sh', '-c', `${setup}; ${script}`], { timeout: 120_000, maxBuffer: 16 << 20 });
    return stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-release-run-'));
    images = await buildReleaseImages({ repoRoot: REPO_ROOT, dir, node: process.execPath });
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('flynn: node runs, and a daemon resolves its packages inside the image', async () => {
    const root = await unpack(images.flynn.manifestPath);
    const out = await isolated(root, [
      `chroot ${root} /usr/local/bin/node --version`,
      `chroot ${root} /bin/sh -c 'cd /opt/flynn-ts/daemons/discoverd && /usr/local/bin/node --input-type=module -e "const d = await import(\\"@flynn-ts/discovery\\"); const h = await import(\\"hono\\"); console.log(typeof d.DiscoveryClient, typeof h.Hono)"'`,
    ].join('; '));
    expect(out).toContain(process.version);
    expect(out).toContain('function function');
  }, 120_000);

  it('postgres: the entrypoint creates the databases and accepts the user over TCP', async () => {
    const root = await unpack(images.postgres.manifestPath);
    const out = await isolated(root, [
      `(PORT=5499 POSTGRES_USER=flynn POSTGRES_PASSWORD=s3cret POSTGRES_DATABASES=controller,blobstore chroot ${root} /usr/local/bin/postgres-entrypoint > ${root}/pg.log 2>&1 &)`,
      `i=0; until ${PG}/pg_isready -q -h 127.0.0.1 -p 5499; do i=$((i+1)); [ $i -lt 120 ] || { cat ${root}/pg.log; exit 1; }; sleep 0.5; done`,
      `PGPASSWORD=s3cret ${PG}/psql -h 127.0.0.1 -p 5499 -U flynn -d controller -Atc "select datname from pg_database where not datistemplate order by 1; select current_user; select usename from pg_user where usesuper order by 1"`,
      `echo owner=$(stat -c %u ${root}/data/pgdata)`,
    ].join('; '));
    // The PID namespace ends (and postgres with it) when the unshare'd shell exits.
    expect(out.trim().split('\n')).toEqual(['blobstore', 'controller', 'postgres', 'flynn', 'flynn', 'owner=70']);
  }, 120_000);
});
