/**
 * The "node runtime" layer of the component images: this machine's node
 * binary (at the same path), the shared libraries `ldd` lists for it (each
 * at the path ldd prints, symlinks resolved), a minimal /etc and the usual
 * empty mount points. Enough for `node` to run in a container; no shell.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bump to rebuild every runtime layer (a change of what goes in). */
export const NODE_RUNTIME_VERSION = 1;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface RuntimeInputs {
  /** The node binary's path (kept in the image). */
  node: string;
  /** Shared libraries, as ldd names them (the dynamic loader included). */
  libs: string[];
  /** A fingerprint of those files (paths, sizes, mtimes) for the cache key. */
  fingerprint: string;
}

/** Parses `ldd` output: the resolved paths (`=> /path`, or a bare absolute path for the loader). Pure. */
export function parseLdd(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(0x/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path && !out.includes(path)) out.push(path);
  }
  return out;
}

/** What the runtime layer is made of, for `node` (normally `process.execPath`). */
export async function runtimeInputs(node: string): Promise<RuntimeInputs> {
  const text = await new Promise<string>((resolve) => {
    execFile('ldd', [node], (err, stdout) => resolve(err ? '' : String(stdout))); // a static binary: "not a dynamic executable"
  });
  const libs = parseLdd(text);
  const files = [node, ...libs, ...(existsSync(CA_BUNDLE) ? [CA_BUNDLE] : [])];
  const fingerprint = [`node-runtime v${NODE_RUNTIME_VERSION}`, ...files.map((f) => {
    const st = statSync(f);
    return `${f} ${st.size} ${Math.trunc(st.mtimeMs)}`;
  })].join('\n');
  return { node, libs, fingerprint };
}

/**
 * Lays the runtime out under `root` (an empty directory). `nodeAt` is where
 * node goes in the image (default: its own path, `inputs.node`).
 */
export function stageRuntime(root: string, inputs: RuntimeInputs, nodeAt: string = inputs.node): void {
  for (const d of ['etc/ssl/certs', 'proc', 'sys', 'dev', 'root', 'run', 'var/tmp', 'usr/bin', 'bin']) mkdirSync(join(root, d), { recursive: true });
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  const copy = (path: string, mode: number, at: string = path) => {
    const to = join(root, at);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(realpathSync(path), to);
    chmodSync(to, mode);
  };
  copy(inputs.node, 0o755, nodeAt);
  for (const lib of inputs.libs) copy(lib, 0o755);
  if (existsSync(CA_BUNDLE)) copy(CA_BUNDLE, 0o644);
  writeFileSync(join(root, 'etc/passwd'), PASSWD);
  writeFileSync(join(root, 'etc/group'), GROUP);
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  writeFileSync(join(root, 'etc/hostname'), 'flynn\n');
  writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  writeFileSync(join(root, 'etc/resolv.conf'), ''); // a bind-mount target
}
