/**
 * Hosts install from npm (issue #10 item 6), checked without publishing:
 * scripts/pack-install-check.mjs packs every public workspace and installs the
 * tarballs with `npm install -g --prefix <tmp>` from the npm cache. Then, far
 * from the monorepo (no `@flynn-ts/source` condition, no workspace links, no
 * devDependencies), every bin runs: `--help` prints its usage, `flynn-host
 * init` writes host.json and the systemd unit, the netlink addon was built on
 * install, and the installed `discoverd` serves its API on loopback and stops
 * on SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileP = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
interface Installed {
  prefix: string;
  bin: string;
  tarballs: string[];
  offline: boolean;
}
interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What the usage text of each bin starts with. */
const USAGE: Record<string, RegExp> = {
  discoverd: /^usage: discoverd /m,
  flannel: /^usage: flannel /m,
  flynn: /^usage: flynn /m,
  'flynn-blobstore': /^usage: flynn-blobstore /m,
  'flynn-controller': /^usage: flynn-controller/m,
  'flynn-host': /^usage: flynn-host /m,
  'flynn-logaggregator': /^usage: flynn-logaggregator /m,
  'flynn-router': /^usage: flynn-router /m,
  'flynn-scheduler': /^usage: flynn-scheduler/m,
};

let work: string;
let installed: Installed;
const manifests: Manifest[] = [];
const children = new Set<number>();

/** The environment of a shell on a host: none of npm's or vitest's settings. */
function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|NODE_OPTIONS$|VITEST|TSX)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs an installed bin from outside the repo; never rejects. */
async function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await execFileP(join(installed.bin, bin), args, { cwd: work, env: hostEnv(env), timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : null, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

/** Files below `dir` whose name matches `pattern` (skipping node_modules). */
async function filesIn(dir: string, pattern: RegExp): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...(await filesIn(p, pattern)));
    else if (e.isFile() && pattern.test(e.name)) out.push(p);
  }
  return out;
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), `flynn-npm-install-${process.pid}-`));
  for (const group of ['packages', 'daemons']) {
    for (const name of await readdir(join(REPO, group))) {
      const m = JSON.parse(await readFile(join(REPO, group, name, 'package.json'), 'utf8').catch(() => '{"private":true}')) as Manifest;
      if (!m.private) manifests.push(m);
    }
  }
  const { stdout } = await execFileP(process.execPath, [join(REPO, 'scripts/pack-install-check.mjs'), '--dest', join(work, 'npm')], {
    cwd: REPO,
    env: hostEnv(),
    maxBuffer: 16 << 20,
  });
  installed = JSON.parse(stdout.trim().split('\n').at(-1)!) as Installed;
}, 600_000);

afterAll(async () => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

describe('installing the packed workspaces with npm install -g', () => {
  it('installs every package from the cache, and every bin as an executable node script', async () => {
    expect(installed.tarballs).toHaveLength(manifests.length);
    if (!installed.offline) console.warn('npm install --offline failed: the packages were installed with --prefer-offline');
    const bins = manifests.flatMap((m) => Object.keys(m.bin ?? {}));
    expect(bins.sort()).toEqual(Object.keys(USAGE).sort());
    for (const bin of bins) {
      const link = join(installed.bin, bin);
      expect((await lstat(link)).isSymbolicLink(), bin).toBe(true);
      const target = await realpath(link);
      await access(target, constants.X_OK);
      expect((await readFile(target, 'utf8')).startsWith('#!/usr/bin/env node\n'), `${bin}: shebang`).toBe(true);
    }
  });

  it('ships no tests or test helpers', async () => {
    const shipped = await filesIn(join(installed.prefix, 'lib/node_modules/@flynn-ts'), /\.test(-helpers|-d)?\.ts$/);
    expect(shipped.map((f) => f.slice(installed.prefix.length + 1))).toEqual([]);
  });

  it('imports at run time only what each package declares (no devDependency, bundled copy or workspace range)', async () => {
    const problems: string[] = [];
    for (const m of manifests) {
      const dir = join(installed.prefix, 'lib/node_modules', m.name);
      const got = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
      const declared = { ...got.dependencies, ...got.optionalDependencies, ...got.peerDependencies };
      for (const [dep, range] of Object.entries(declared)) if (range.startsWith('workspace:')) problems.push(`${m.name}: ${dep}@${range}`);
      for (const file of await filesIn(join(dir, 'dist'), /\.js$/)) {
        const text = await readFile(file, 'utf8');
        const rel = file.slice(dir.length + 1);
        // tsup inlines what a package does not declare, marking it with its path outside the package.
        for (const [, path] of text.matchAll(/^\/\/ (\.\.\/\.\.\/\S+)$/gm)) problems.push(`${m.name}/${rel}: bundles ${path}`);
        const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*)["']([^"'.\s/][^"'\s]*)["']/g)].map((x) => x[1]!);
        for (const spec of new Set(specs)) {
          const pkg = packageOf(spec);
          if (!isBuiltin(spec) && pkg !== m.name && !(pkg in declared)) problems.push(`${m.name}/${rel}: imports ${spec}, not a dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('built the netlink addon on install, and flannel can load it', async () => {
    const flanneld = join(installed.prefix, 'lib/node_modules/@flynn-ts/flanneld');
    const script = "const m = await import('@flynn-ts/netlink'); m.loadNetlinkAddon(); console.log('addon ok');";
    const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', script], { cwd: flanneld, env: hostEnv() });
    expect(stdout).toContain('addon ok');
  });
});

describe('the installed bins', () => {
  it.each(Object.keys(USAGE))('%s --help prints its usage and exits 0', async (bin) => {
    const r = await run(bin, ['--help']);
    expect(r, JSON.stringify(r)).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(USAGE[bin]!);
  });

  it.each(Object.keys(USAGE))('%s --version prints its package version', async (bin) => {
    const manifest = manifests.find((m) => m.bin?.[bin])!;
    const r = await run(bin, ['--version']);
    expect(r, JSON.stringify(r)).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  it('flynn-host init writes host.json and a systemd unit running the installed bin', async () => {
    const config = join(work, 'etc/flynn/host.json');
    const unit = join(work, 'systemd/flynn-host.service');
    const r = await run('flynn-host', ['init', '--config', config, '--unit', unit, '--peer-ips', '192.0.2.1,192.0.2.2', '--external-ip', '192.0.2.1', '--', '--driver=process']);
    expect(r, JSON.stringify(r)).toMatchObject({ code: 0 });
    expect(r.stdout).toContain(`wrote ${config}`);
    expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({
      args: ['--external-ip=192.0.2.1', '--peer-ips=192.0.2.1,192.0.2.2', '--discoverd=http://192.0.2.1:1111,http://192.0.2.2:1111', '--driver=process'],
    });
    const text = await readFile(unit, 'utf8');
    expect(text).toContain(`Environment=FLYNN_HOST_CONFIG=${config}\n`);
    expect(text).toContain(`ExecStart=${join(installed.bin, 'flynn-host')} daemon\n`);
    expect(text).toMatch(/^\[Install\]\nWantedBy=multi-user.target$/m);
    // A second init refuses to overwrite.
    expect((await run('flynn-host', ['init', '--config', config, '--unit', unit])).code).toBe(1);
  });

  it('discoverd serves its API on loopback and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    const child = spawn(join(installed.bin, 'discoverd'), [`-data-dir=${join(work, 'discoverd')}`, '-host', '127.0.0.1', `-addr=${addr}`], {
      cwd: work,
      env: hostEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child.pid!);
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (log += t));
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    let instances: { addr: string }[] = [];
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`discoverd exited: ${log}`);
        const res = await fetch(`http://${addr}/services/discoverd/instances`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
        if (res?.status !== 200) return false;
        instances = (await res.json()) as { addr: string }[];
        return instances.length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the installed discoverd registering itself' },
    );
    expect(instances.map((i) => i.addr)).toEqual([addr]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    children.delete(child.pid!);
    expect(log).toMatch(/"event":"signal".*"signal":"SIGTERM"/);
  });
});
