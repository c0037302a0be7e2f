/**
 * The original's directory listing (`GET /?dir=/x`, reference §9): the
 * immediate children of `dir` among the blob paths, directories with a
 * trailing `/` (parent directories are implicit: a directory exists while a
 * blob is under it), sorted by code point (Go's sort.Strings). Pure.
 */
import { compareCodePoints } from './blob-path.js';

/** `dir` is '' for the root or a canonical path; `paths` are canonical blob paths (any, unfiltered). */
export function listChildren(dir: string, paths: Iterable<string>): string[] {
  const prefix = `${dir}/`;
  const children = new Set<string>();
  for (const p of paths) {
    if (!p.startsWith(prefix) || p.length === prefix.length) continue;
    const slash = p.indexOf('/', prefix.length);
    children.add(slash < 0 ? p : p.slice(0, slash + 1));
  }
  return [...children].sort(compareCodePoints);
}
