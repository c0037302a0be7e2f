#!/usr/bin/env node
// Installs the workspaces the way a host would from npm, without publishing:
// `npm pack` every public workspace (packages/* and daemons/*) into DEST/tarballs,
// then `npm install -g --prefix DEST/prefix` all the tarballs, from the npm
// cache only (`--offline`; `npm ci` fills the cache). The bins end up in
// DEST/prefix/bin. Runs `npm run build` first only when a file that a
// workspace's `exports` or `bin` points at is missing (CI builds before
// tests). The last stdout line is a JSON summary:
//   {"dest","prefix","bin","tarballs":[...],"offline":true|false,"built":true|false}
// `offline: false` means --offline failed and the install fell back to
// --prefer-offline (the registry was asked for what the cache lacked).
//
//   node scripts/pack-install-check.mjs [--dest DIR]     (default: a new dir under $TMPDIR)
//
// daemons/host/test/npm-install.int.test.ts runs this and then the installed bins.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { dest: { type: 'string' } } });
const dest = resolve(values.dest ?? mkdtempSync(join(tmpdir(), 'flynn-pack-install-')));
const tarballDir = join(dest, 'tarballs');
const prefix = join(dest, 'prefix');
mkdirSync(tarballDir, { recursive: true });

// The child npm must not inherit the settings of an npm that started us (`npm test` sets npm_config_*).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const log = (line) => process.stderr.write(`pack-install-check: ${line}\n`);
const npm = (args, cwd = root) => execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });

/** Public workspaces: { dir, manifest }. */
function workspaces() {
  const out = [];
  for (const group of ['packages', 'daemons']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const file = join(root, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (!manifest.private) out.push({ dir: join(root, group, name), manifest });
    }
  }
  return out;
}

/** The files a workspace's exports map and bins point at (the published entry points). */
function targets(manifest) {
  const out = Object.values(manifest.bin ?? {});
  const walk = (v) => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== '@flynn-ts/source') walk(x);
  };
  walk(manifest.exports);
  return out;
}

const all = workspaces();
const unbuilt = all.filter((w) => targets(w.manifest).some((t) => !existsSync(join(w.dir, t))));
let built = false;
if (unbuilt.length > 0) {
  log(`entry points missing in ${unbuilt.map((w) => w.manifest.name).join(', ')}: npm run build`);
  npm(['run', 'build', '--silent']);
  built = true;
}

const packed = JSON.parse(npm(['pack', '--workspaces', '--pack-destination', tarballDir, '--json', '--silent']));
const tarballs = packed.map((p) => join(tarballDir, p.filename));
log(`packed ${tarballs.length} tarballs into ${tarballDir}`);

// node-gyp (for @flynn-ts/netlink's install script) must not download headers: use the running node's.
const nodeHeaders = resolve(dirname(process.execPath), '..');
const nodedir = existsSync(join(nodeHeaders, 'include/node/node_api.h')) ? [`--nodedir=${nodeHeaders}`] : [];
// npm >= 11 asks for the install scripts of dependencies to be allowed (@flynn-ts/netlink builds its addon
// in one); a package installed from a tarball is named by its file: spec there, not by its name.
const scripted = new Set(all.filter((w) => ['preinstall', 'install', 'postinstall'].some((s) => w.manifest.scripts?.[s])).map((w) => w.manifest.name));
const allowed = packed.filter((p) => scripted.has(p.name)).flatMap((p) => [p.name, `file:${join(tarballDir, p.filename)}`]);
const allowScripts = allowed.length > 0 ? [`--allow-scripts=${allowed.join(',')}`] : [];
const install = (mode) => npm(['install', '-g', '--prefix', prefix, mode, '--no-audit', '--no-fund', ...allowScripts, ...nodedir, ...tarballs], dest);
let offline = true;
try {
  install('--offline');
} catch (err) {
  log(`npm install --offline failed (exit status ${err.status}, npm's error above); retrying with --prefer-offline`);
  offline = false;
  install('--prefer-offline');
}
log(`installed into ${prefix}${offline ? ' (offline)' : ' (prefer-offline)'}`);
process.stdout.write(`${JSON.stringify({ dest, prefix, bin: join(prefix, 'bin'), tarballs, offline, built })}\n`);
