import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from './runtime-error.js';

/** `mount(2)` and `umount2(2)` syscall numbers per Node `process.arch` (Linux); others use the sh wrapper. */
const MOUNT_SYSCALLS: Readonly<Record<string, { mount: number; umount2: number }>> = {
  x64: { mount: 165, umount2: 166 },
  arm64: { mount: 40, umount2: 39 },
};

export function mountSyscalls(arch: string): { mount: number; umount2: number } | undefined {
  return MOUNT_SYSCALLS[arch];
}

/**
 * The runtime wrapper of {@link RUNTIME_WRAPPER_SCRIPT} (see oci-runtime.ts)
 * as one Perl process: the tmpfs and the overlay are mounted with `mount(2)`
 * itself (Perl's `syscall`), the upper/work dirs made with `mkdir(2)`, and the
 * runtime exec'd, instead of a shell running `mount`, `mkdir`, `mkdir`,
 * `mount` (five execs, util-linux `mount` loading libmount each time). That
 * is ~6 ms less on every container start. Same environment contract
 * (`FLYNN_RUNTIME`, `FLYNN_ROOTFS`, `FLYNN_SCRATCH`, `FLYNN_TMPFS_OPTS`,
 * `FLYNN_OVERLAY_OPTS`), same argument rewrite (`create` → `run -d`). Only
 * core Perl (perl-base, Essential on Debian); no modules are loaded.
 */
export function perlRuntimeWrapperScript(perl: string, sys: { mount: number; umount2: number }): string {
  return `#!${perl}
# Written by @flynn-ts/host (oci driver): mount the rootfs, then create+start the container (run -d).
my ($rt, $rootfs, $scratch) = @ENV{qw(FLYNN_RUNTIME FLYNN_ROOTFS FLYNN_SCRATCH)};
my @args = @ARGV;
if (grep { $_ eq 'create' } @args) {
  if (defined $rootfs && $rootfs ne '') {
    my ($src, $type, $opts, $zero) = ('flynn-scratch', 'tmpfs', $ENV{FLYNN_TMPFS_OPTS}, 0);
    syscall(${sys.mount}, $src, $scratch, $type, $zero, $opts) == 0 or die "flynn-runtime: mount tmpfs on $scratch: $!\\n";
    my $ok = mkdir("$scratch/upper") && chmod(0755, "$scratch/upper") && mkdir("$scratch/work") && chmod(0700, "$scratch/work");
    ($src, $type, $opts) = ('flynn-rootfs', 'overlay', $ENV{FLYNN_OVERLAY_OPTS});
    unless ($ok && syscall(${sys.mount}, $src, $rootfs, $type, $zero, $opts) == 0) {
      my $err = "$!";
      syscall(${sys.umount2}, $scratch, $zero);
      die "flynn-runtime: mount overlay on $rootfs: $err\\n";
    }
  }
  @args = map { $_ eq 'create' ? ('run', '-d') : $_ } @args;
}
exec { $rt } $rt, @args;
die "flynn-runtime: exec $rt: $!\\n";
`;
}

/** Writes the Perl wrapper to `<dir>/flynn-runtime` (mode 0700) and returns its path. */
export async function perlRuntimeWrapper(dir: string, perl: string, sys: { mount: number; umount2: number }): Promise<string> {
  if (/[\s'"\\]/.test(perl)) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `unsupported character in tool path ${perl}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'flynn-runtime');
  await writeExecutable(path, perlRuntimeWrapperScript(perl, sys));
  return path;
}

let counter = 0;

/**
 * Writes an executable script by temp file and rename, so a runtime that
 * another driver (or an earlier daemon) is exec'ing at that moment never sees
 * a half-written file.
 */
export async function writeExecutable(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o700 });
    await chmod(tmp, 0o700);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
