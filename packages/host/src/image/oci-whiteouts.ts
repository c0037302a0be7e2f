/**
 * Rewrites an OCI layer tar so that its whiteouts become overlayfs whiteouts
 * (see core/whiteout.ts), as a tar stream for `mksquashfs -tar`: no
 * extraction, no root, ownership and modes preserved.
 *
 * Two passes over the (decompressed) layer: `scanWhiteouts` finds the opaque
 * directories, `rewriteWhiteouts` then emits
 * - `.wh.<name>` → a character device 0/0 `<name>` (mode 0, the entry's owner);
 * - `.wh..wh..opq` in `<dir>` → `<dir>`'s own entry gets the PAX record
 *   `SCHILY.xattr.trusted.overlay.opaque=y` (a directory entry is made when
 *   the layer has none); the marker itself is dropped;
 * - other `.wh..wh.*` AUFS files → dropped;
 * - everything else → the original bytes.
 * An opaque marker at the layer root cannot be expressed and is dropped with
 * a count in the scan (`rootOpaque`).
 */
import { BLOCK, encodePaxHeader, encodeTarHeader, normalizeTarPath, TarType } from './core/tar.js';
import type { TarHeader } from './core/tar.js';
import { classifyWhiteout, OPAQUE_XATTR } from './core/whiteout.js';
import { TarReader } from './tar-reader.js';

export interface WhiteoutScan {
  /** Directories (normalized paths) marked opaque. */
  opaqueDirs: Set<string>;
  /** Directories that have an entry of their own in the layer. */
  dirEntries: Set<string>;
  whiteouts: number;
  rootOpaque: boolean;
}

export async function scanWhiteouts(input: AsyncIterable<Uint8Array>): Promise<WhiteoutScan> {
  const scan: WhiteoutScan = { opaqueDirs: new Set(), dirEntries: new Set(), whiteouts: 0, rootOpaque: false };
  const reader = new TarReader(input);
  try {
    for (let e = await reader.next(); e; e = await reader.next()) {
      const w = classifyWhiteout(e.header.name);
      if (w.kind === 'opaque') {
        if (w.dir === '') scan.rootOpaque = true;
        else scan.opaqueDirs.add(w.dir);
      } else if (w.kind === 'whiteout') scan.whiteouts++;
      else if (w.kind === 'none' && e.header.type === TarType.DIRECTORY) scan.dirEntries.add(w.path);
    }
    await reader.drain(); // to the end, so that the caller can check the blob's digest
  } finally {
    await reader.close();
  }
  return scan;
}

const OPAQUE_RECORD = `SCHILY.xattr.${OPAQUE_XATTR}`;

export async function* rewriteWhiteouts(input: AsyncIterable<Uint8Array>, scan: WhiteoutScan): AsyncGenerator<Uint8Array> {
  const reader = new TarReader(input);
  const made = new Set<string>();
  try {
    for (let e = await reader.next(); e; e = await reader.next()) {
      const w = classifyWhiteout(e.header.name);
      switch (w.kind) {
        case 'aufs-meta':
          continue;
        case 'opaque':
          if (w.dir !== '' && !scan.dirEntries.has(w.dir) && !made.has(w.dir)) {
            made.add(w.dir);
            yield entry({ ...e.header, name: `${w.dir}/`, type: TarType.DIRECTORY, mode: 0o755, size: 0, linkname: '' }, { [OPAQUE_RECORD]: 'y' });
          }
          continue;
        case 'whiteout':
          yield entry({ ...e.header, name: w.target, type: TarType.CHAR, mode: 0, size: 0, linkname: '', devmajor: 0, devminor: 0 }, {});
          continue;
        case 'none':
          if (e.header.type === TarType.DIRECTORY && scan.opaqueDirs.has(w.path)) {
            const { path: _p, size: _s, ...keep } = e.pax;
            yield entry({ ...e.header, name: `${w.path}/`, size: 0 }, { ...keep, [OPAQUE_RECORD]: 'y' });
            continue;
          }
          yield e.raw;
          yield* reader.body();
      }
    }
    yield new Uint8Array(2 * BLOCK); // end of archive
  } finally {
    await reader.close();
  }
}

/** A header for `h` (no data), preceded by a PAX header carrying the full path and `records`. */
function entry(h: TarHeader, records: Record<string, string>): Uint8Array {
  const name = normalizeTarPath(h.name) + (h.type === TarType.DIRECTORY ? '/' : '');
  const pax = encodePaxHeader({ ...records, path: name }, name);
  const header = encodeTarHeader({ ...h, name });
  const out = new Uint8Array(pax.length + header.length);
  out.set(pax, 0);
  out.set(header, pax.length);
  return out;
}
