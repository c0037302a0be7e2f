import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execTool } from './exec.js';
import { writeExecutable } from './perl-runtime-wrapper.js';
import { RuntimeError } from './runtime-error.js';

/**
 * The OCI runtime's command line (runc and crun share it): `--root <dir>`
 * keeps our containers apart from anyone else's. `path` may be a wrapper
 * script (crun on a hybrid cgroup host, see {@link crunHybridWrapper}).
 */
export class OciRuntimeCli {
  constructor(
    readonly path: string,
    readonly root: string,
  ) {}

  /** Global args conmon must pass before `create`. */
  globalArgs(): string[] {
    return ['--root', this.root];
  }

  async start(cid: string): Promise<void> {
    await execTool(this.path, [...this.globalArgs(), 'start', cid]);
  }

  async kill(cid: string, signal: number): Promise<void> {
    await execTool(this.path, [...this.globalArgs(), 'kill', cid, String(signal)]);
  }

  /** `delete -f`: kills what is left and removes the container and its cgroup. True when it existed. */
  async delete(cid: string): Promise<boolean> {
    try {
      await execTool(this.path, [...this.globalArgs(), 'delete', '-f', cid]);
      return true;
    } catch (err) {
      if (/does not exist|not found|No such file/i.test(String((err as Error).message))) return false;
      throw err;
    }
  }

  /** The runtime's `status` of the container (`created`, `running`, `stopped`…), undefined when unknown to it. */
  async status(cid: string): Promise<string | undefined> {
    try {
      const { stdout } = await execTool(this.path, [...this.globalArgs(), 'state', cid]);
      const parsed = JSON.parse(stdout) as { status?: unknown };
      return typeof parsed.status === 'string' ? parsed.status : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * crun 1.8 refuses the hybrid cgroup layout (v1 controllers plus a cgroup2
 * tree at /sys/fs/cgroup/unified). This wrapper runs every crun command in a
 * private mount namespace where the unified tree is unmounted, so crun sees a
 * plain v1 host. The container gets its own mount namespace anyway; nothing
 * leaks back (private propagation). Written once under the runtime root.
 */
export async function crunHybridWrapper(dir: string, crunPath: string, tools: { sh: string; unshare: string }): Promise<string> {
  for (const p of [crunPath, tools.sh, tools.unshare]) {
    if (/['\n]/.test(p)) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `unsupported character in tool path ${p}`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'crun-hybrid');
  const script = `#!${tools.sh}
# Written by @flynn-ts/host: crun in a private mount namespace without /sys/fs/cgroup/unified.
exec '${tools.unshare}' -m --propagation private -- '${tools.sh}' -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' '${crunPath}' "$@"
`;
  await writeExecutable(path, script);
  return path;
}

/**
 * What conmon runs as "the runtime". For `create` it first mounts the job's
 * rootfs (from `FLYNN_*` variables in conmon's environment, which the runtime
 * inherits), then runs `<runtime> … run -d …` in place of `create`: the
 * container is created and started by one runtime process, and conmon
 * reports its pid only after that. So the daemon spawns a single process per
 * job start (conmon), and the container is running when `start()` returns.
 * The container's init is re-parented to conmon (a subreaper) when the
 * runtime exits, exactly as after `create`; conmon copes with a container
 * that exits before it has read the pid file (it caches early exit
 * statuses). Anything else is passed to the runtime as is.
 *
 * The driver uses the Perl version of this (perl-runtime-wrapper.ts: the same
 * in one process, mounting with mount(2)) when Perl is there, this one else.
 */
export const RUNTIME_WRAPPER_SCRIPT = `rt=$FLYNN_RUNTIME
create=
for a; do [ "$a" = create ] && create=1; done
[ -n "$create" ] || exec "$rt" "$@"
if [ -n "$FLYNN_ROOTFS" ]; then
  mount -t tmpfs -o "$FLYNN_TMPFS_OPTS" flynn-scratch "$FLYNN_SCRATCH" || exit 1
  mkdir -m 0755 "$FLYNN_SCRATCH/upper" && mkdir -m 0700 "$FLYNN_SCRATCH/work" &&
    mount -t overlay -o "$FLYNN_OVERLAY_OPTS" flynn-rootfs "$FLYNN_ROOTFS" || { umount "$FLYNN_SCRATCH"; exit 1; }
fi
n=$#
for a; do
  if [ "$a" = create ]; then set -- "$@" run -d; else set -- "$@" "$a"; fi
done
shift "$n"
exec "$rt" "$@"
`;

export async function runtimeWrapper(dir: string, sh: string): Promise<string> {
  if (/['\n]/.test(sh)) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `unsupported character in tool path ${sh}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'flynn-runtime');
  await writeExecutable(path, `#!${sh}\n# Written by @flynn-ts/host (oci driver): mount the rootfs, then create+start the container (run -d).\n${RUNTIME_WRAPPER_SCRIPT}`);
  return path;
}
