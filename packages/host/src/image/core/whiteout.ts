/**
 * OCI layer whiteouts → overlayfs whiteouts (what our layers are stacked with).
 *
 * OCI (image-spec layer.md): a file `.wh.<name>` deletes `<name>` of the layers
 * below; a file `.wh..wh..opq` in a directory hides everything below in that
 * directory ("opaque"). overlayfs instead wants a character device 0/0 named
 * `<name>`, and an opaque directory carries the xattr
 * `trusted.overlay.opaque=y`.
 */
import { normalizeTarPath } from './tar.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** The xattr overlayfs reads (mksquashfs stores `trusted.*` xattrs from PAX `SCHILY.xattr.*` records). */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export type WhiteoutKind =
  | { kind: 'none'; path: string }
  /** Delete `target` from the layers below. */
  | { kind: 'whiteout'; target: string }
  /** Hide the lower contents of `dir` (`''` is the root). */
  | { kind: 'opaque'; dir: string }
  /** Other AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`… and what is inside them): dropped. */
  | { kind: 'aufs-meta'; path: string };

/** Classifies a tar entry name (any of `./a/b`, `/a/b`, `a/b/`). */
export function classifyWhiteout(name: string): WhiteoutKind {
  const path = normalizeTarPath(name);
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = slash < 0 ? path : path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (path.split('/').some((part) => part.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`))) return { kind: 'aufs-meta', path };
  if (base.startsWith(WHITEOUT_PREFIX) && base.length > WHITEOUT_PREFIX.length) {
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target !== '.' && target !== '..') return { kind: 'whiteout', target: dir ? `${dir}/${target}` : target };
  }
  return { kind: 'none', path };
}
