/**
 * The release images the shipped manifest (manifests/cluster.json) runs, in
 * flynn-host's image format (squashfs layers named by their SHA-512/256 + a
 * manifest, docs/host.md "Images"), built from this checkout's built output:
 *
 * - `flynn` (FLYNN_IMAGE_URL): the node runtime (node at /usr/local/bin/node,
 *   its libraries, a minimal /etc), busybox (/bin/sh), and /opt/flynn-ts:
 *   every workspace's package.json + dist and the production node_modules
 *   (./flynn-tree.ts). Every system component runs
 *   `/usr/local/bin/node /opt/flynn-ts/daemons/<name>/dist/main.js`;
 * - `postgres` (FLYNN_POSTGRES_IMAGE_URL): busybox + PostgreSQL 15 and its
 *   entrypoint (./postgres-tree.ts).
 *
 * Layers are cached under `<dir>/cache/` by their inputs (cachedLayer), so a
 * rebuild after a change of one daemon only redoes the /opt/flynn-ts layer.
 * Serve `<dir>` over HTTP and set FLYNN_LAYER_URL to
 * `http://…/layers/{id}.squashfs`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SquashfsLayer } from '@flynn-ts/host';
import { writeImage } from '@flynn-ts/host';
import { cachedLayer, commonFlags, compressionFlags, run } from '../dev/component-image.js';
import type { ComponentImage } from '../dev/component-image.js';
import { runtimeInputs, stageRuntime } from '../dev/node-runtime.js';
import { busyboxInputs, stageBusybox } from './busybox-tree.js';
import { FLYNN_TS_DIR, flynnTreeFingerprint, listFlynnTree, stageFlynnTree } from './flynn-tree.js';
import { POSTGRES_ENTRYPOINT, postgresInputs, stagePostgres } from './postgres-tree.js';

/** Where node is in the flynn image (the manifest's commands use this path). */
export const IMAGE_NODE_PATH = '/usr/local/bin/node';

export interface ReleaseImagesOptions {
  /** The checkout (absolute), built (`npm run build`): every workspace's dist/ goes in. */
  repoRoot: string;
  /** Where images go: `<dir>/layers/<id>.squashfs`, `<dir>/<manifest id>.json`, `<dir>/cache/`. */
  dir: string;
  /** The node binary to put in the flynn image (normally `process.execPath`). */
  node: string;
  /** A static busybox. Default /usr/bin/busybox (busybox-static). */
  busybox?: string;
  /** PostgreSQL's directories. Default /usr/lib/postgresql/15 and /usr/share/postgresql/15. */
  postgresLibDir?: string;
  postgresShareDir?: string;
  /** Progress lines. */
  say?: (line: string) => void;
}

export interface ReleaseImages {
  /** The system image: node + /bin/sh + /opt/flynn-ts. */
  flynn: ComponentImage;
  /** PostgreSQL 15 with its entrypoint. */
  postgres: ComponentImage;
  /** `<dir>/layers`: serve it as `<base>/layers/{id}.squashfs` (the manifests' layer_url_template). */
  layersDir: string;
  /** Names of the layers built by this call; the others came from the cache. */
  built: string[];
}

/** Builds (or finds in the cache) the flynn and postgres release images. */
export async function buildReleaseImages(o: ReleaseImagesOptions): Promise<ReleaseImages> {
  const say = o.say ?? (() => {});
  const built: string[] = [];
  const comp = await compressionFlags();
  const layer = (name: string, fingerprint: string, stage: (root: string) => void): Promise<SquashfsLayer> =>
    cachedLayer({
      dir: o.dir, name, fingerprint, say, built,
      build: async (file) => {
        const root = join(dirname(file), 'rootfs');
        mkdirSync(root);
        stage(root);
        await run('mksquashfs', [root, file, ...commonFlags(), ...comp]);
      },
    });

  const runtime = await runtimeInputs(o.node);
  const runtimeLayer = await layer('release-node-runtime', `${IMAGE_NODE_PATH}\n${runtime.fingerprint}`, (root) => {
    stageRuntime(root, runtime, IMAGE_NODE_PATH);
  });
  const bb = await busyboxInputs(o.busybox ?? '/usr/bin/busybox');
  const busyboxLayer = await layer('busybox', bb.fingerprint, (root) => stageBusybox(root, bb));
  const tree = listFlynnTree(o.repoRoot);
  const treeLayer = await layer('flynn-ts', flynnTreeFingerprint(o.repoRoot, tree), (root) => stageFlynnTree(root, o.repoRoot, tree));
  const pg = await postgresInputs(o.postgresLibDir, o.postgresShareDir);
  const pgLayer = await layer('postgres', pg.fingerprint, (root) => stagePostgres(root, pg));

  const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };
  const flynn = await writeImage({
    dir: o.dir,
    layers: [runtimeLayer, busyboxLayer, treeLayer],
    entrypoints: { _default: { args: ['/bin/sh'], cwd: FLYNN_TS_DIR, env } },
    meta: { 'flynn-ts.image': 'flynn' },
  });
  const postgres = await writeImage({
    dir: o.dir,
    layers: [busyboxLayer, pgLayer],
    entrypoints: { _default: { args: [POSTGRES_ENTRYPOINT], cwd: '/', env } },
    meta: { 'flynn-ts.image': 'postgres' },
  });
  return {
    flynn: { manifestId: flynn.manifestId, manifestPath: flynn.manifestPath },
    postgres: { manifestId: postgres.manifestId, manifestPath: postgres.manifestPath },
    layersDir: join(o.dir, 'layers'),
    built,
  };
}
