/**
 * The original Flynn's image format (reference §2.4): a JSON manifest naming
 * squashfs layers by hash. A manifest's id is the hex SHA-512/256 of its
 * canonical JSON (`canonicalManifestJson`; the hashing itself is in
 * ../hashing.ts (`manifestId`), as core code imports no node:crypto).
 *
 * Go decoded a manifest into typed structs before hashing it, so unknown
 * fields vanished and `omitempty` fields with empty values were left out;
 * `normalizeManifest` does the same so that ids match the original's.
 */
import type { MountSpec } from '../../types.js';
import { canonicalJson } from './canonical-json.js';

export const IMAGE_MANIFEST_TYPE = 'application/vnd.flynn.image.manifest.v1+json';
export const SQUASHFS_LAYER_TYPE = 'application/vnd.flynn.image.squashfs.v1';
/** The hash the original used for layer and manifest ids. */
export const LAYER_HASH = 'sha512_256';

export interface ImageEntrypoint {
  env?: Record<string, string>;
  cwd?: string;
  args?: string[];
  linux_capabilities?: string[];
  uid?: number;
  gid?: number;
}

export interface ImagePlatform {
  architecture?: string;
  os?: string;
}

export interface ImageLayer {
  /** The original used the layer's sha512_256 as its id. */
  id?: string;
  type?: typeof SQUASHFS_LAYER_TYPE | (string & {});
  /** Size in bytes. */
  length?: number;
  hashes?: Record<string, string>;
  /** In the reference's description of the format; not in every version of the Go struct. */
  meta?: Record<string, string>;
}

export interface ImageRootfs {
  platform?: ImagePlatform;
  layers?: ImageLayer[];
}

export interface ImageManifest {
  _type: typeof IMAGE_MANIFEST_TYPE | (string & {});
  meta?: Record<string, string>;
  /** `_default` and per process type. */
  entrypoints?: Record<string, ImageEntrypoint>;
  rootfs?: ImageRootfs[];
}

export const DEFAULT_PLATFORM: ImagePlatform = { architecture: 'amd64', os: 'linux' };

/** Go's `omitempty`: empty strings, zero numbers, empty maps/arrays and absent values are left out. */
function nonEmpty<T>(v: T | undefined): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v === '') return undefined;
  if (typeof v === 'number' && v === 0) return undefined;
  if (Array.isArray(v) && v.length === 0) return undefined;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return undefined;
  return v;
}

function stringMap(m: Record<string, string> | undefined): Record<string, string> | undefined {
  return nonEmpty(m === undefined ? undefined : { ...m });
}

/** Every member of T, each possibly undefined (before {@link strip}). */
type Loose<T> = { [K in keyof T]-?: T[K] | undefined };

/** Drops undefined members (so the result satisfies exactOptionalPropertyTypes). */
function strip<T extends object>(o: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

function normalizeEntrypoint(e: ImageEntrypoint): ImageEntrypoint {
  return strip<ImageEntrypoint>({
    env: stringMap(e.env),
    cwd: nonEmpty(e.cwd),
    args: nonEmpty(e.args?.slice()),
    linux_capabilities: nonEmpty(e.linux_capabilities?.slice()),
    // uid/gid are pointers in Go: 0 is kept, only absence is omitted.
    uid: e.uid ?? undefined,
    gid: e.gid ?? undefined,
  });
}

function normalizeLayer(l: ImageLayer): ImageLayer {
  return strip<ImageLayer>({ id: nonEmpty(l.id), type: nonEmpty(l.type), length: nonEmpty(l.length), hashes: stringMap(l.hashes), meta: stringMap(l.meta) });
}

function normalizeRootfs(r: ImageRootfs): ImageRootfs {
  const platform = r.platform ? strip<ImagePlatform>({ architecture: nonEmpty(r.platform.architecture), os: nonEmpty(r.platform.os) }) : undefined;
  return strip<ImageRootfs>({ platform, layers: nonEmpty(r.layers?.map(normalizeLayer)) });
}

/** The manifest as the original's Go structs would re-encode it: known fields only, empty ones omitted. */
export function normalizeManifest(m: ImageManifest): ImageManifest {
  const entrypoints = m.entrypoints
    ? nonEmpty(Object.fromEntries(Object.entries(m.entrypoints).map(([k, e]) => [k, normalizeEntrypoint(e)])))
    : undefined;
  return strip<ImageManifest>({
    _type: m._type,
    meta: stringMap(m.meta),
    entrypoints,
    rootfs: nonEmpty(m.rootfs?.map(normalizeRootfs)),
  });
}

/** The bytes whose SHA-512/256 is the manifest id (also what the original stored as the artifact's raw manifest). */
export function canonicalManifestJson(m: ImageManifest): string {
  return canonicalJson(normalizeManifest(m));
}

/** A manifest for layers stacked bottom first, in one rootfs for linux/amd64. */
export function buildManifest(opts: { layers: ImageLayer[]; entrypoints?: Record<string, ImageEntrypoint>; meta?: Record<string, string> }): ImageManifest {
  return normalizeManifest({
    _type: IMAGE_MANIFEST_TYPE,
    ...(opts.meta ? { meta: opts.meta } : {}),
    ...(opts.entrypoints ? { entrypoints: opts.entrypoints } : {}),
    rootfs: [{ platform: { ...DEFAULT_PLATFORM }, layers: opts.layers }],
  });
}

/** Expands the artifact's `layer_url_template` (`{id}` is the only variable the original used). */
export function expandLayerUrl(template: string, id: string): string {
  return template.replace(/\{id\}/g, encodeURIComponent(id));
}

/**
 * The job's `mountspecs` for a manifest: every layer of every rootfs, bottom
 * first, with its URL from `layerUrl` (a template string or a function).
 */
export function mountspecsFromManifest(m: ImageManifest, layerUrl: string | ((layer: ImageLayer) => string)): MountSpec[] {
  const specs: MountSpec[] = [];
  for (const rootfs of m.rootfs ?? []) {
    for (const layer of rootfs.layers ?? []) {
      const id = layer.id ?? layer.hashes?.[LAYER_HASH] ?? '';
      const url = typeof layerUrl === 'string' ? expandLayerUrl(layerUrl, id) : layerUrl(layer);
      const spec: MountSpec = { type: 'squashfs', id, url };
      if (layer.length !== undefined) spec.size = layer.length;
      if (layer.hashes) spec.hashes = { ...layer.hashes };
      if (layer.meta) spec.meta = { ...layer.meta };
      specs.push(spec);
    }
  }
  return specs;
}

/** Checks the shape of a decoded manifest; returns a reason when it is not one. */
export function manifestProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'manifest must be an object';
  const m = v as Record<string, unknown>;
  if (m._type !== IMAGE_MANIFEST_TYPE) return `manifest _type must be ${IMAGE_MANIFEST_TYPE}`;
  if (m.rootfs !== undefined && !Array.isArray(m.rootfs)) return 'manifest rootfs must be a list';
  for (const [i, r] of ((m.rootfs as unknown[] | undefined) ?? []).entries()) {
    const layers = (r as { layers?: unknown } | null)?.layers;
    if (layers !== undefined && !Array.isArray(layers)) return `rootfs[${i}].layers must be a list`;
    for (const [j, l] of ((layers as unknown[] | undefined) ?? []).entries()) {
      const layer = l as ImageLayer | null;
      if (typeof layer !== 'object' || layer === null) return `rootfs[${i}].layers[${j}] must be an object`;
      if (layer.length !== undefined && !(Number.isSafeInteger(layer.length) && layer.length >= 0)) return `rootfs[${i}].layers[${j}].length must be a byte count`;
    }
  }
  return undefined;
}
