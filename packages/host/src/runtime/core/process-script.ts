/**
 * The process driver's per-job wrapper: a POSIX sh script (no Node process per
 * job) started detached (its own session) so that it outlives the daemon. It
 *
 * 1. when the job has stdin: starts a "holder" (`sleep` with the stdin FIFO
 *    open read-write) so that the job's read end neither blocks at open nor
 *    sees EOF before a client attached; `openStdin()` kills the holder once it
 *    holds a write end itself, so the client's close is the job's EOF;
 * 2. runs the job through an inner `sh` that writes its own pid to `pid`, then
 *    `exec`s the chain `setsid [prlimit …] [setpriv …] -- <args>` (each tool
 *    execs the next: the pid stays the job's; `setsid` makes the job a session
 *    and process-group leader, so `signal()` can signal its group without
 *    hitting the wrapper), stdout/stderr appended to files in the state dir;
 * 3. writes the job's status (`128+N` when killed by signal N, as sh reports
 *    it) to `exit` with one `write` of `"<status>\n"` (readers treat a file
 *    without the newline as not written yet).
 *
 * Positional parameters: state dir, `1` when stdin, path of `sleep`, path of
 * `sh`, then the exec chain and the job's argv.
 */
export const PROCESS_WRAPPER_SCRIPT = `d=$1 s=$2 sleep=$3 sh=$4
shift 4
in=/dev/null h=
if [ "$s" = 1 ]; then
  "$sleep" 2147483647 3<>"$d/stdin" </dev/null >/dev/null 2>&1 &
  h=$!
  echo "$h" >"$d/stdin-holder"
  in=$d/stdin
fi
"$sh" -c 'echo $$ >"$0/pid"; exec "$@"' "$d" "$@" <"$in" >>"$d/stdout" 2>>"$d/stderr"
c=$?
[ -z "$h" ] || kill "$h" 2>/dev/null
echo "$c" >"$d/exit"
`;

/** Absolute paths of the tools the wrapper uses (resolved once by the driver). */
export interface ProcessTools {
  sh: string;
  sleep: string;
  setsid: string;
  /** util-linux `prlimit`; limits are skipped (with a warning by the driver) when absent. */
  prlimit?: string;
  /** util-linux `setpriv`; needed for uid/gid. */
  setpriv?: string;
}

export interface ProcessLaunch {
  stateDir: string;
  args: readonly string[];
  stdin: boolean;
  maxFd?: number;
  maxProcs?: number;
  /** Only when the daemon is root (the driver decides). */
  uid?: number;
  gid?: number;
  /** Set only the soft NOFILE limit (an unprivileged daemon cannot raise the hard one). */
  softLimitsOnly?: boolean;
}

/** argv for `spawn(argv[0], argv.slice(1))` of the wrapper. Pure. */
export function processWrapperArgv(tools: ProcessTools, launch: ProcessLaunch): string[] {
  const chain: string[] = [tools.setsid, '--'];
  const limits: string[] = [];
  const suffix = launch.softLimitsOnly ? ':' : '';
  if (launch.maxFd !== undefined) limits.push(`--nofile=${launch.maxFd}${suffix || `:${launch.maxFd}`}`);
  if (launch.maxProcs !== undefined) limits.push(`--nproc=${launch.maxProcs}${suffix || `:${launch.maxProcs}`}`);
  if (limits.length > 0 && tools.prlimit !== undefined) chain.push(tools.prlimit, ...limits, '--');
  if ((launch.uid !== undefined || launch.gid !== undefined) && tools.setpriv !== undefined) {
    const priv = [tools.setpriv];
    if (launch.gid !== undefined) priv.push(`--regid=${launch.gid}`);
    if (launch.uid !== undefined) priv.push(`--reuid=${launch.uid}`);
    priv.push('--clear-groups', '--');
    chain.push(...priv);
  }
  return [tools.sh, '-c', PROCESS_WRAPPER_SCRIPT, 'flynn-job', launch.stateDir, launch.stdin ? '1' : '0', tools.sleep, tools.sh, ...chain, ...launch.args];
}
