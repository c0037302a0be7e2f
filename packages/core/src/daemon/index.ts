export { runDaemon, untilAborted, SHUTDOWN_SIGNALS } from './run-daemon.js';
export type { RunDaemonOptions, SignalProcess } from './run-daemon.js';
export { runMain, isMainModule, packageVersion } from './run-main.js';
export type { RunMainOptions, MainProcess } from './run-main.js';
export { LOG_LEVELS, parseLogLevel, splitList, parseHostPort, parseIntInRange, parseBaseUrl, isWildcardHost } from './config-values.js';
export { readCommandLine } from './read-command-line.js';
export type { ParsedCommandLine, ReadCommandLineOptions } from './read-command-line.js';
export { parseGoFlags } from './go-flags.js';
export type { GoFlags, GoFlagSpec } from './go-flags.js';
