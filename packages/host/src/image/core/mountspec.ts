/**
 * What the image store needs from a job's mountspec, checked: a squashfs layer
 * named by its sha512_256 (the cache key), optionally where to fetch it and
 * how long it is, and any further hashes to verify.
 */
import type { MountSpec } from '../../types.js';
import { LAYER_HASH } from './manifest.js';

export interface LayerRef {
  /** Hex sha512_256: the cache key and the mount directory name. */
  hash: string;
  /** Every known hash to verify (sha512_256 always included). */
  hashes: Record<string, string>;
  /** `http:`, `https:` or `file:` URL; only needed when the layer is not cached yet. */
  url?: string;
  size?: number;
  /** The mountspec's id (for messages). */
  id: string;
}

const KNOWN_HASHES: Record<string, RegExp> = {
  sha512_256: /^[0-9a-f]{64}$/,
  sha512: /^[0-9a-f]{128}$/,
  sha256: /^[0-9a-f]{64}$/,
};

/** A checked LayerRef, or the reason the mountspec cannot be used. */
export function layerRef(spec: MountSpec): LayerRef | string {
  if (typeof spec !== 'object' || spec === null) return 'mountspec must be an object';
  if (spec.type !== 'squashfs') return `mountspec type ${JSON.stringify(spec.type)} is not supported (only squashfs)`;
  const id = typeof spec.id === 'string' ? spec.id : '';
  const hashes: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.hashes ?? {})) {
    const re = KNOWN_HASHES[name];
    if (!re) continue; // unknown algorithms cannot be checked; sha512_256 is required anyway
    const hex = typeof value === 'string' ? value.toLowerCase() : '';
    if (!re.test(hex)) return `mountspec ${id}: hashes.${name} is not a hex digest`;
    hashes[name] = hex;
  }
  const hash = hashes[LAYER_HASH];
  if (!hash) return `mountspec ${id}: hashes.${LAYER_HASH} is required (layers are verified and cached by it)`;
  const ref: LayerRef = { hash, hashes, id };
  if (spec.url !== undefined && spec.url !== '') {
    if (typeof spec.url !== 'string' || !/^(https?|file):\/\//i.test(spec.url)) return `mountspec ${id}: url must be http://, https:// or file://`;
    ref.url = spec.url;
  }
  if (spec.size !== undefined && spec.size !== 0) {
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) return `mountspec ${id}: size must be a byte count`;
    ref.size = spec.size;
  }
  return ref;
}
