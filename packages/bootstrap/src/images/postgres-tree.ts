/**
 * The PostgreSQL layer of the release "postgres" image: this machine's
 * PostgreSQL 15 (Debian layout: /usr/lib/postgresql/15 and
 * /usr/share/postgresql/15), the shared libraries `ldd` lists for its
 * binaries and modules (the LLVM JIT left out: it would pull in LLVM; the
 * entrypoint runs with `jit=off`), the time zone database, a `postgres`
 * user, and the entrypoint script {@link POSTGRES_ENTRYPOINT} (which needs
 * the busybox layer for /bin/sh and its tools).
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, realpathSync, copyFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseLdd } from '../dev/node-runtime.js';

/** The entrypoint's path in the image. */
export const POSTGRES_ENTRYPOINT = '/usr/local/bin/postgres-entrypoint';

/** The uid/gid PostgreSQL runs as in the container (it refuses to run as root). */
export const POSTGRES_UID = 70;

/**
 * First start: initdb of /data/pgdata as the `postgres` user with
 * POSTGRES_USER as the superuser (password POSTGRES_PASSWORD, scram; trust
 * when none is given), an hba line for every address, then
 * `CREATE DATABASE` for each name in POSTGRES_DATABASES (comma-separated) in
 * single-user mode. Every start: `exec postgres` listening on 0.0.0.0:$PORT
 * (5432 by default). SINGLETON is accepted and ignored (one instance, no
 * replication yet).
 */
export const ENTRYPOINT_SCRIPT = `#!/bin/sh
set -eu
PGBIN=/usr/lib/postgresql/15/bin
PORT="\${PORT:-5432}"
PGUSER="\${POSTGRES_USER:-postgres}"
DATA=/data/pgdata
# busybox su (as root: no password) execs the shell, which execs the program: no extra process.
as_pg() { su -s /bin/sh -c 'exec "$0" "$@"' postgres -- "$@"; }
mkdir -p "$DATA" /run/postgresql
chown ${POSTGRES_UID}:${POSTGRES_UID} /data "$DATA" /run/postgresql
chmod 700 "$DATA"
if [ ! -s "$DATA/PG_VERSION" ]; then
  AUTH=trust
  PWOPT=
  if [ -n "\${POSTGRES_PASSWORD:-}" ]; then
    printf '%s\\n' "$POSTGRES_PASSWORD" > /run/postgresql/pwfile
    chown ${POSTGRES_UID} /run/postgresql/pwfile
    AUTH=scram-sha-256
    PWOPT=--pwfile=/run/postgresql/pwfile
  fi
  as_pg "$PGBIN/initdb" -D "$DATA" -U "$PGUSER" -A "$AUTH" $PWOPT -E UTF8 --locale=C >/dev/null
  rm -f /run/postgresql/pwfile
  echo "host all all 0.0.0.0/0 $AUTH" >> "$DATA/pg_hba.conf"
  echo "host all all ::/0 $AUTH" >> "$DATA/pg_hba.conf"
  for db in $(echo "\${POSTGRES_DATABASES:-}" | tr ',' ' '); do
    echo "CREATE DATABASE \\"$db\\";" | as_pg "$PGBIN/postgres" --single -D "$DATA" -c jit=off postgres >/dev/null
  done
  echo "postgres-entrypoint: initialised $DATA (databases: \${POSTGRES_DATABASES:-none})"
fi
exec su -s /bin/sh -c 'exec "$0" "$@"' postgres -- "$PGBIN/postgres" -D "$DATA" -p "$PORT" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql -c jit=off -c dynamic_shared_memory_type=mmap
`;

export interface PostgresInputs {
  /** /usr/lib/postgresql/15 */
  libDir: string;
  /** /usr/share/postgresql/15 */
  shareDir: string;
  /** Shared libraries of the binaries and modules. */
  libs: string[];
  fingerprint: string;
}

/** Modules and files left out of the layer (LLVM JIT). */
function skipped(name: string): boolean {
  return name.startsWith('llvmjit') || name === 'bitcode';
}

/** The libraries of all `files`, with one ldd run (a file that is not dynamic only prints a note). */
function ldd(files: readonly string[]): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('ldd', [...files], { maxBuffer: 16 * 1024 * 1024 }, (_err, stdout) => resolve(parseLdd(String(stdout))));
  });
}

/** What the layer is made of. Throws when PostgreSQL 15 is not installed at `libDir`. */
export async function postgresInputs(libDir = '/usr/lib/postgresql/15', shareDir = '/usr/share/postgresql/15'): Promise<PostgresInputs> {
  if (!existsSync(join(libDir, 'bin', 'postgres'))) throw new Error(`no PostgreSQL at ${libDir} (install postgresql-15)`);
  const files = [
    ...readdirSync(join(libDir, 'bin')).map((n) => join(libDir, 'bin', n)),
    ...readdirSync(join(libDir, 'lib')).filter((n) => n.endsWith('.so') && !skipped(n)).map((n) => join(libDir, 'lib', n)),
  ];
  const sorted = (await ldd(files)).filter((l) => !l.startsWith(libDir)).sort();
  const fingerprint = ['postgres v1', ENTRYPOINT_SCRIPT, ...[...files, ...sorted].map((f) => {
    const st = statSync(f);
    return `${f} ${st.size} ${Math.trunc(st.mtimeMs)}`;
  })].join('\n');
  return { libDir, shareDir, libs: sorted, fingerprint };
}

/** Lays the layer out under `root` (an empty directory). */
export function stagePostgres(root: string, inputs: PostgresInputs): void {
  for (const d of ['etc', 'proc', 'sys', 'dev', 'run', 'data', 'usr/local/bin', 'var/tmp']) mkdirSync(join(root, d), { recursive: true });
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  cpSync(inputs.libDir, join(root, inputs.libDir), { recursive: true, filter: (src) => !skipped(src.split('/').pop() ?? '') });
  cpSync(inputs.shareDir, join(root, inputs.shareDir), { recursive: true });
  if (existsSync('/usr/share/zoneinfo')) cpSync('/usr/share/zoneinfo', join(root, 'usr/share/zoneinfo'), { recursive: true, verbatimSymlinks: true });
  for (const lib of inputs.libs) {
    const to = join(root, lib);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(realpathSync(lib), to);
    chmodSync(to, 0o755);
  }
  const u = POSTGRES_UID;
  writeFileSync(join(root, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\npostgres:x:${u}:${u}:PostgreSQL:/data:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n`);
  writeFileSync(join(root, 'etc/group'), `root:x:0:\npostgres:x:${u}:\nnogroup:x:65534:\n`);
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  writeFileSync(join(root, 'etc/resolv.conf'), '');
  writeFileSync(join(root, POSTGRES_ENTRYPOINT), ENTRYPOINT_SCRIPT, { mode: 0o755 });
}
