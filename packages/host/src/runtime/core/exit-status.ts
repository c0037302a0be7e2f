import type { ContainerExit } from '../../contracts.js';

/** Linux signal numbers → names (x86-64/arm64 numbering). */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  16: 'SIGSTKFLT',
  17: 'SIGCHLD',
  18: 'SIGCONT',
  19: 'SIGSTOP',
  20: 'SIGTSTP',
  21: 'SIGTTIN',
  22: 'SIGTTOU',
  23: 'SIGURG',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  26: 'SIGVTALRM',
  27: 'SIGPROF',
  28: 'SIGWINCH',
  29: 'SIGIO',
  30: 'SIGPWR',
  31: 'SIGSYS',
};

/** The name of signal `n` (`SIGKILL` for 9), or undefined when unknown. */
export function signalName(n: number): string | undefined {
  return SIGNALS[n];
}

/**
 * Parses an exit file as the monitors write it: a decimal status, optionally
 * followed by a newline. Returns undefined for an empty/partial/garbled file
 * (the writer may not be done; callers retry).
 *
 * `requireNewline`: the process driver's wrapper writes `"<code>\n"` with one
 * write, so a file without the newline is still being written.
 */
export function parseExitFile(text: string, requireNewline: boolean): number | undefined {
  const m = requireNewline ? /^(-?\d{1,4})\n$/.exec(text) : /^(-?\d{1,4})\n?$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]);
}

/**
 * A ContainerExit from a shell-style status: 0–255, where 128+N means "killed
 * by signal N" (both conmon and POSIX sh report signals that way). A program
 * that calls exit(137) itself is indistinguishable from a SIGKILL; we report
 * the signal in both cases. A negative status (the monitor could not tell)
 * becomes 255.
 */
export function exitFromStatus(status: number, oomKilled: boolean): ContainerExit {
  const code = status < 0 || status > 255 ? 255 : status;
  const exit: ContainerExit = { code, oomKilled };
  if (code > 128) {
    const name = signalName(code - 128);
    if (name !== undefined) exit.signal = name;
  }
  return exit;
}
