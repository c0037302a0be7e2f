/**
 * Import of an OCI image layout (`oci-layout`, `index.json`, `blobs/`; what
 * `skopeo copy … oci:dir`, `buildah push … oci:dir` or `docker buildx
 * --output type=oci` write) as a flynn image: every layer tarball becomes one
 * squashfs layer (whiteouts converted for overlayfs, see oci-whiteouts.ts),
 * the image config becomes the `_default` entrypoint.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageEntrypoint } from './core/manifest.js';
import { ImageError } from './image-error.js';
import { blobPath, decompress, digestedBlob, readJsonBlob, sniffCompression } from './oci-blob.js';
import { rewriteWhiteouts, scanWhiteouts } from './oci-whiteouts.js';
import type { WhiteoutScan } from './oci-whiteouts.js';
import { squashfsFromTar } from './squashfs.js';
import type { SquashfsLayer } from './squashfs.js';
import { writeImage } from './write-image.js';
import type { WriteImageOptions, WrittenImage } from './write-image.js';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
}

interface OciIndex {
  manifests?: Descriptor[];
}

interface OciManifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

interface OciConfig {
  config?: { Env?: string[]; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; User?: string };
}

const REF_ANNOTATION = 'org.opencontainers.image.ref.name';
const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

export interface OciImportOptions {
  layoutDir: string;
  /** Layers go to `<outDir>/layers/<sha512_256>.squashfs`, the manifest to `<outDir>/<id>.json`. */
  outDir: string;
  /** Which image of the layout (its `org.opencontainers.image.ref.name`); default the first. */
  ref?: string;
  /** Default linux/amd64. */
  platform?: { architecture: string; os: string };
  /** Passed to `writeImage` (default: file:// URLs of the layer files). */
  layerUrl?: WriteImageOptions['layerUrl'];
}

export interface OciImport extends WrittenImage {
  layers: SquashfsLayer[];
  /** Per layer: whiteouts converted, and whether an opaque marker at the layer root had to be dropped. */
  conversions: { digest: string; whiteouts: number; opaqueDirs: number; rootOpaqueDropped: boolean }[];
}

export async function importOciLayout(o: OciImportOptions): Promise<OciImport> {
  const platform = o.platform ?? { architecture: 'amd64', os: 'linux' };
  const index = await readIndex(o.layoutDir);
  const candidates = (index.manifests ?? []).filter((d) => o.ref === undefined || d.annotations?.[REF_ANNOTATION] === o.ref);
  const top = candidates[0];
  if (!top) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', o.ref === undefined ? `${o.layoutDir} has no images` : `${o.layoutDir} has no image named ${o.ref}`);
  const manifest = await resolveManifest(o.layoutDir, top, platform, 0);
  if (!manifest.config) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', 'OCI manifest has no config');
  const config = await readJsonBlob<OciConfig>(o.layoutDir, manifest.config.digest);

  const layers: SquashfsLayer[] = [];
  const conversions: OciImport['conversions'] = [];
  for (const desc of manifest.layers ?? []) {
    const { layer, scan } = await convertLayer(o.layoutDir, desc.digest, join(o.outDir, 'layers'));
    layers.push(layer);
    conversions.push({ digest: desc.digest, whiteouts: scan.whiteouts, opaqueDirs: scan.opaqueDirs.size, rootOpaqueDropped: scan.rootOpaque });
  }
  const meta: Record<string, string> = { 'oci.manifest': top.digest };
  const ref = top.annotations?.[REF_ANNOTATION];
  if (ref) meta['oci.ref'] = ref;
  const written = await writeImage({
    dir: o.outDir,
    layers,
    entrypoints: { _default: entrypointFromConfig(config) },
    meta,
    ...(o.layerUrl ? { layerUrl: o.layerUrl } : {}),
  });
  return { ...written, layers, conversions };
}

async function readIndex(layoutDir: string): Promise<OciIndex> {
  try {
    const layout = JSON.parse(await readFile(join(layoutDir, 'oci-layout'), 'utf8')) as { imageLayoutVersion?: string };
    if (typeof layout.imageLayoutVersion !== 'string') throw new Error('no imageLayoutVersion');
    return JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as OciIndex;
  } catch (err) {
    throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `${layoutDir} is not an OCI image layout: ${(err as Error).message}`, { cause: err });
  }
}

/** Follows image indexes (multi-platform images) down to the manifest for `platform`. */
async function resolveManifest(layoutDir: string, d: Descriptor, platform: { architecture: string; os: string }, depth: number): Promise<OciManifest> {
  if (depth > 4) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', 'OCI image indexes nest too deeply');
  const m = await readJsonBlob<OciManifest>(layoutDir, d.digest);
  const isIndex = INDEX_TYPES.includes(d.mediaType ?? '') || INDEX_TYPES.includes(m.mediaType ?? '') || (Array.isArray(m.manifests) && !m.layers);
  if (!isIndex) return m;
  const pick = (m.manifests ?? []).find((x) => x.platform?.architecture === platform.architecture && x.platform?.os === platform.os);
  if (!pick) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `OCI image has no ${platform.os}/${platform.architecture} manifest`);
  return resolveManifest(layoutDir, pick, platform, depth + 1);
}

/** Two passes over the layer: scan (and verify the blob digest), then convert to squashfs. */
async function convertLayer(layoutDir: string, digest: string, outDir: string): Promise<{ layer: SquashfsLayer; scan: WhiteoutScan }> {
  const compression = await sniffCompression(blobPath(layoutDir, digest)).catch((err: unknown) => {
    throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `OCI layer ${digest} is missing: ${(err as Error).message}`, { cause: err });
  });
  const first = digestedBlob(layoutDir, digest);
  let scan: WhiteoutScan;
  try {
    scan = await scanWhiteouts(decompress(first.stream, compression));
  } catch (err) {
    throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `OCI layer ${digest} is not a readable tar: ${(err as Error).message}`, { cause: err });
  }
  first.verify();
  const second = digestedBlob(layoutDir, digest);
  const layer = await squashfsFromTar(rewriteWhiteouts(decompress(second.stream, compression), scan), { outDir });
  return { layer, scan };
}

/** `Entrypoint + Cmd`, `Env`, `WorkingDir`, and a numeric `User` (`uid[:gid]`); named users are left to the image. */
export function entrypointFromConfig(c: OciConfig): ImageEntrypoint {
  const cfg = c.config ?? {};
  const e: ImageEntrypoint = {};
  const args = [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])];
  if (args.length > 0) e.args = args;
  if (cfg.Env?.length) {
    e.env = {};
    for (const kv of cfg.Env) {
      const eq = kv.indexOf('=');
      if (eq > 0) e.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  if (cfg.WorkingDir) e.cwd = cfg.WorkingDir;
  const user = /^(\d+)(?::(\d+))?$/.exec(cfg.User ?? '');
  if (user) {
    e.uid = Number(user[1]);
    if (user[2] !== undefined) e.gid = Number(user[2]);
  }
  return e;
}
