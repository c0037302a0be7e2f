/**
 * Finds a command inside a container's root filesystem the way the kernel
 * would after a chroot: every symlink (absolute ones included) resolves
 * inside `root`, never on the host. Used to refuse a job whose command does
 * not exist before the runtime is even asked (with an init as PID 1, the
 * runtime itself cannot tell).
 */

export interface LookupFs {
  /** lstat: undefined when the path does not exist. */
  lstat(path: string): Promise<{ kind: 'file' | 'dir' | 'symlink' | 'other'; executable: boolean } | undefined>;
  readlink(path: string): Promise<string>;
}

const MAX_LINKS = 40;

/** Resolves `path` (absolute, inside the container) to a host path under `root`, following symlinks inside `root`. */
export async function resolveInRoot(root: string, path: string, fs: LookupFs): Promise<{ hostPath: string; kind: 'file' | 'dir' | 'other'; executable: boolean } | undefined> {
  const pending = splitPath(path);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const hostPath = joinRoot(root, [...done, part]);
    const st = await fs.lstat(hostPath);
    if (!st) return undefined;
    if (st.kind === 'symlink') {
      if (++links > MAX_LINKS) return undefined;
      const target = await fs.readlink(hostPath);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...splitPath(target));
      continue;
    }
    if (pending.length > 0 && st.kind !== 'dir') return undefined;
    done.push(part);
    if (pending.length === 0) return { hostPath, kind: st.kind, executable: st.executable };
  }
  return { hostPath: joinRoot(root, done), kind: 'dir', executable: true };
}

/**
 * The host path of the executable `command` would run, looked up like
 * `execvp`: a name with a `/` relative to `cwd`, else each directory of
 * `searchPath`. Undefined when there is none.
 */
export async function findCommandInRoot(root: string, command: string, searchPath: string, cwd: string, fs: LookupFs): Promise<string | undefined> {
  const candidates = command.includes('/')
    ? [command.startsWith('/') ? command : `${cwd}/${command}`]
    : searchPath
        .split(':')
        .filter((d) => d !== '')
        .map((d) => `${d.startsWith('/') ? d : `${cwd}/${d}`}/${command}`);
  for (const c of candidates) {
    const r = await resolveInRoot(root, c, fs);
    if (r && r.kind === 'file' && r.executable) return r.hostPath;
  }
  return undefined;
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

function joinRoot(root: string, parts: string[]): string {
  return parts.length === 0 ? root : `${root.replace(/\/+$/, '')}/${parts.join('/')}`;
}
