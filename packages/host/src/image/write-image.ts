import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileDurable } from '../job/atomic-file.js';
import type { MountSpec } from '../types.js';
import { buildManifest, canonicalManifestJson, mountspecsFromManifest } from './core/manifest.js';
import type { ImageEntrypoint, ImageLayer, ImageManifest } from './core/manifest.js';
import { manifestId } from './hashing.js';
import { ImageError } from './image-error.js';
import { layerEntry } from './squashfs.js';
import type { SquashfsLayer } from './squashfs.js';

export interface WriteImageOptions {
  /** The manifest is written to `<dir>/<manifestId>.json` (created if missing). */
  dir: string;
  /** Bottom first: built layers (with a file path) or manifest entries. */
  layers: (SquashfsLayer | ImageLayer)[];
  entrypoints?: Record<string, ImageEntrypoint>;
  meta?: Record<string, string>;
  /**
   * URL of each layer in the returned mountspecs: a template with `{id}` (the
   * artifact's `layer_url_template`) or a function. Default: `file://` of the
   * layer's path (built layers only).
   */
  layerUrl?: string | ((layer: ImageLayer) => string);
}

export interface WrittenImage {
  manifest: ImageManifest;
  /** Hex sha512/256 of `rawManifest`. */
  manifestId: string;
  /** The canonical JSON written to `manifestPath`. */
  rawManifest: string;
  manifestPath: string;
  /** What a job's `mountspecs` should be to run this image. */
  mountspecs: MountSpec[];
}

function isBuilt(l: SquashfsLayer | ImageLayer): l is SquashfsLayer {
  return typeof (l as SquashfsLayer).path === 'string';
}

/** Makes a flynn image (manifest + mountspecs) of squashfs layers and writes its manifest. */
export async function writeImage(o: WriteImageOptions): Promise<WrittenImage> {
  const paths = new Map<string, string>();
  const entries = o.layers.map((l) => {
    if (!isBuilt(l)) return l;
    paths.set(l.id, l.path);
    return layerEntry(l);
  });
  const manifest = buildManifest({
    layers: entries,
    ...(o.entrypoints ? { entrypoints: o.entrypoints } : {}),
    ...(o.meta ? { meta: o.meta } : {}),
  });
  const urlFor =
    o.layerUrl ??
    ((layer: ImageLayer) => {
      const path = layer.id === undefined ? undefined : paths.get(layer.id);
      if (!path) throw new ImageError('FLYNN_HOST_IMAGE_BUILD', `layer ${layer.id ?? '?'} has no file and no layerUrl was given`);
      return pathToFileURL(path).href;
    });
  const rawManifest = canonicalManifestJson(manifest);
  const id = manifestId(manifest);
  await mkdir(o.dir, { recursive: true });
  const manifestPath = join(o.dir, `${id}.json`);
  await writeFileDurable(manifestPath, rawManifest, 0o644);
  return { manifest, manifestId: id, rawManifest, manifestPath, mountspecs: mountspecsFromManifest(manifest, urlFor) };
}
