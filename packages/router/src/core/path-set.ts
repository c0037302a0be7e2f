/**
 * The routes of one domain (and listener port), matched by longest path
 * prefix. Matching is by path segment, as the original's path tree: route
 * `/foo/` matches `/foo`, `/foo/`, `/foo/bar` and `/foo?q`, not `/foobar`;
 * empty segments (`//`) are ignored. Most domains have only the root route,
 * which matches without looking at the path at all.
 */

interface PathEntry<T> {
  /** Normalised: starts and ends with `/`. */
  path: string;
  /** `path` without its trailing `/`. */
  bare: string;
  value: T;
}

export class PathSet<T> {
  root: T | undefined;
  /** Sub-path routes, longest path first. */
  private subs: PathEntry<T>[] = [];

  get size(): number {
    return this.subs.length + (this.root === undefined ? 0 : 1);
  }

  set(path: string, value: T): void {
    if (path === '/') {
      this.root = value;
      return;
    }
    const existing = this.subs.find((e) => e.path === path);
    if (existing) {
      existing.value = value;
      return;
    }
    this.subs.push({ path, bare: path.slice(0, -1), value });
    this.subs.sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? -1 : 1));
  }

  delete(path: string): void {
    if (path === '/') this.root = undefined;
    else this.subs = this.subs.filter((e) => e.path !== path);
  }

  get(path: string): T | undefined {
    if (path === '/') return this.root;
    return this.subs.find((e) => e.path === path)?.value;
  }

  hasSubPaths(): boolean {
    return this.subs.length > 0;
  }

  /** Longest matching prefix of `target` (a request-target in origin form: path plus optional `?query`). */
  lookup(target: string): T | undefined {
    const subs = this.subs;
    if (subs.length === 0) return this.root;
    const t = target.indexOf('//') === -1 ? target : cleanPath(target);
    for (let i = 0; i < subs.length; i++) {
      const e = subs[i]!;
      if (t.startsWith(e.path)) return e.value;
      if (t.startsWith(e.bare)) {
        const n = e.bare.length;
        if (t.length === n || t.charCodeAt(n) === 0x3f /* ? */) return e.value;
      }
    }
    return this.root;
  }
}

/** The path of `target` with its query dropped and empty segments removed (`//a//b/` → `/a/b/`). */
export function cleanPath(target: string): string {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const segs = path.split('/').filter((s) => s !== '');
  if (segs.length === 0) return '/';
  return `/${segs.join('/')}${path.endsWith('/') ? '/' : ''}`;
}
