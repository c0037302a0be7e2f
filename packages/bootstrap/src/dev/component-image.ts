/**
 * The flynn images `npm start` runs the system components and the demo app
 * from under the `oci` driver, built from this checkout in flynn-host's
 * format (squashfs layers named by their SHA-512/256 + a manifest, see
 * docs/host.md "Images"), so the host fetches (file://) and verifies them
 * as any image:
 *
 * - `node-runtime`: node, its shared libraries, a minimal /etc (./node-runtime.ts);
 * - `app`: this checkout at its own absolute path, as the daemons need it
 *   at run time (./app-files.ts), so the same paths (`FLYNN_REPO`, the tsx
 *   loader in `NODE_OPTIONS`) work in the container and on the host;
 * - `demo`: packages/bootstrap/demo only.
 *
 * component = node-runtime + app; demo = node-runtime + demo. Layers are
 * cached under `<dir>/cache/` by a key of their inputs (paths, sizes,
 * mtimes), so a second start reuses them. mksquashfs uses lz4 (fast) when it
 * has it, else gzip level 1.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SquashfsLayer } from '@flynn-ts/host';
import { hashFile, writeImage } from '@flynn-ts/host';
import { formatDuration } from '../core/progress-format.js';
import { appFilesFingerprint, listAppFiles } from './app-files.js';
import { runtimeInputs, stageRuntime } from './node-runtime.js';

export interface ComponentImagesOptions {
  /** The checkout (absolute). */
  repoRoot: string;
  /** The node binary to put in the images (`process.execPath`). */
  node: string;
  /** Where images go: `<dir>/layers/<id>.squashfs`, `<dir>/<manifest id>.json`, `<dir>/cache/`. */
  dir: string;
  /** Absolute paths under the checkout left out (the data directory when it is inside it). */
  exclude?: string[];
  /** Progress lines. */
  say?: (line: string) => void;
}

export interface ComponentImage {
  manifestId: string;
  /** `<dir>/<manifestId>.json`: the artifact's `file://` URI. */
  manifestPath: string;
}

export interface ComponentImages {
  /** node-runtime + app: every system component. */
  component: ComponentImage;
  /** node-runtime + demo. */
  demo: ComponentImage;
  /** Where the layers are (the artifacts' `layer_url_template` is `file://<layersDir>/{id}.squashfs`). */
  layersDir: string;
  /** Names of the layers built by this call; the others came from the cache. */
  built: string[];
}

/** Builds (or finds in the cache) the component and demo images. */
export async function buildComponentImages(o: ComponentImagesOptions): Promise<ComponentImages> {
  const say = o.say ?? (() => {});
  const layersDir = join(o.dir, 'layers');
  mkdirSync(join(o.dir, 'cache'), { recursive: true });
  mkdirSync(layersDir, { recursive: true });
  const comp = await compressionFlags();
  const built: string[] = [];
  const layer = (name: string, fingerprint: string, build: (file: string) => Promise<void>): Promise<SquashfsLayer> =>
    cachedLayer({ dir: o.dir, name, fingerprint, build, say, built });

  const runtime = await runtimeInputs(o.node);
  const runtimeLayer = await layer('node-runtime', runtime.fingerprint, async (file) => {
    const root = join(dirname(file), 'rootfs');
    mkdirSync(root);
    stageRuntime(root, runtime);
    await run('mksquashfs', [root, file, ...commonFlags(), ...comp]);
  });

  const files = listAppFiles(o.repoRoot, o.exclude ?? []);
  const appLayer = await layer('app', `${o.repoRoot}\n${appFilesFingerprint(files)}`, (file) =>
    tarLayer(file, [...ancestors(o.repoRoot), ...files.map((f) => join(o.repoRoot, f.path))], comp),
  );

  const demoDir = join(o.repoRoot, 'packages', 'bootstrap', 'demo');
  const demoFiles = listDir(demoDir);
  const demoLayer = await layer('demo', `${demoDir}\n${demoFiles.join('\n')}`, (file) => tarLayer(file, [...ancestors(demoDir), demoDir, ...demoFiles.map((f) => f.split(' ')[0]!)], comp));

  const entrypoint = (cwd: string) => ({ _default: { args: [o.node], cwd, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } } });
  const component = await writeImage({ dir: o.dir, layers: [runtimeLayer, appLayer], entrypoints: entrypoint(o.repoRoot), meta: { 'flynn-ts.image': 'component' } });
  const demo = await writeImage({ dir: o.dir, layers: [runtimeLayer, demoLayer], entrypoints: entrypoint(demoDir), meta: { 'flynn-ts.image': 'demo' } });
  return {
    component: { manifestId: component.manifestId, manifestPath: component.manifestPath },
    demo: { manifestId: demo.manifestId, manifestPath: demo.manifestPath },
    layersDir,
    built,
  };
}

export interface CachedLayerOptions {
  /** The images directory: the layer goes to `<dir>/layers/<id>.squashfs`, its cache record to `<dir>/cache/`. */
  dir: string;
  /** The layer's name (in progress lines and the cache record's name). */
  name: string;
  /** What the layer is made of (paths, sizes, mtimes…): the cache key, with the compression flags. */
  fingerprint: string;
  /** Writes the squashfs file `file` (in a temporary directory, removed afterwards). */
  build: (file: string) => Promise<void>;
  say?: (line: string) => void;
  /** Gets `name` pushed when the layer was built rather than found in the cache. */
  built?: string[];
}

/** Builds a squashfs layer, or finds it in `<dir>/cache/` by its fingerprint. */
export async function cachedLayer(o: CachedLayerOptions): Promise<SquashfsLayer> {
  const say = o.say ?? (() => {});
  const layersDir = join(o.dir, 'layers');
  mkdirSync(join(o.dir, 'cache'), { recursive: true });
  mkdirSync(layersDir, { recursive: true });
  const comp = await compressionFlags();
  const key = createHash('sha256').update(`${comp.join(' ')}\n${o.fingerprint}`).digest('hex').slice(0, 32);
  const record = join(o.dir, 'cache', `${o.name}-${key}.json`);
  if (existsSync(record)) {
    const cached = JSON.parse(readFileSync(record, 'utf8')) as SquashfsLayer;
    if (existsSync(cached.path)) return cached;
  }
  const t0 = Date.now();
  say(`building the ${o.name} image layer…`);
  const tmp = mkdtempSync(join(o.dir, '.build-'));
  try {
    const file = join(tmp, 'layer.squashfs');
    await o.build(file);
    const { hashes, length } = await hashFile(file);
    const id = hashes.sha512_256!;
    const path = join(layersDir, `${id}.squashfs`);
    renameSync(file, path);
    const out: SquashfsLayer = { path, id, length, hashes: { sha512_256: id } };
    writeFileSync(record, `${JSON.stringify(out)}\n`);
    o.built?.push(o.name);
    say(`  ${o.name} layer: ${(length / 1048576).toFixed(1)} MB in ${formatDuration(Date.now() - t0)}`);
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `/a/b/c` → `/a`, `/a/b` (the directories above a path, for the tar list). */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** `<path> <size> <mtime>` of everything under `dir` (sorted), for the demo layer's key and list. */
function listDir(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .sort()
    .map((path) => {
      const st = lstatSync(path);
      return `${path} ${st.size} ${Math.trunc(st.mtimeMs)}`;
    });
}

export function commonFlags(): string[] {
  return ['-noappend', '-quiet', '-no-progress', '-all-root', '-root-mode', '755', '-mkfs-time', '0'];
}

let compression: Promise<string[]> | undefined;

/** `-comp lz4` when this mksquashfs has it (fast to build and to mount), else gzip at level 1. */
export function compressionFlags(): Promise<string[]> {
  compression ??= new Promise((resolve) => {
    execFile('mksquashfs', ['-help'], (_err, stdout, stderr) => {
      resolve(/\blz4\b/.test(`${String(stdout)}${String(stderr)}`) ? ['-comp', 'lz4'] : ['-comp', 'gzip', '-Xcompression-level', '1']);
    });
  });
  return compression;
}

/** `tar` of exactly `paths` (absolute; directories without their contents) into `mksquashfs -tar`. */
function tarLayer(file: string, paths: readonly string[], comp: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-C', '/', '--null', '--no-recursion', '--numeric-owner', '-T', '-', '-cf', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const mk = spawn('mksquashfs', ['-', file, '-tar', ...commonFlags(), ...comp], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    const collect = (d: Buffer) => (errors = (errors + d.toString()).slice(-4000));
    tar.stderr.on('data', collect);
    mk.stderr.on('data', collect);
    tar.stdout.pipe(mk.stdin);
    mk.stdin.on('error', () => {});
    tar.stdin.on('error', () => {});
    tar.stdin.end(paths.map((p) => p.replace(/^\/+/, '')).join('\0') + '\0');
    const closed = (child: ChildProcess) => new Promise<number | null>((res, rej) => {
      child.on('error', rej);
      child.on('close', res);
    });
    Promise.all([closed(tar), closed(mk)]).then(([tarCode, mkCode]) => {
      if (tarCode === 0 && mkCode === 0) resolve();
      else reject(new Error(`building the layer ${file} failed (tar ${tarCode}, mksquashfs ${mkCode}): ${errors.trim()}`));
    }, reject);
  });
}

export function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${String(stderr).trim() || err.message}`, { cause: err }));
      else resolve();
    });
  });
}
