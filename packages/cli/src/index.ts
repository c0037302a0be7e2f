// Running the CLI (the `flynn` bin is ./main.ts).
export { runCli, findCommand, EXIT_INTERRUPTED } from './cli.js';
export type { RunCliOptions } from './cli.js';
export { processIo } from './io.js';
export type { CliIo, CliInput, CliOutput } from './io.js';

// The command table.
export { COMMANDS } from './commands/index.js';
export type { ArgSpec, Command, CommandContext, GlobalOptions, OptionSpec, OptionValues } from './command.js';
export { parseCommandLine } from './args.js';
export type { ParsedCommandLine } from './args.js';
export { commandHelp, mainHelp, usageLine, MAIN_USAGE } from './core/help.js';
export { completionScript, completionNodes, COMPLETION_SHELLS } from './core/completion.js';
export type { CompletionNode, CompletionShell } from './core/completion.js';

// Errors and exit codes.
export {
  CliError,
  UsageError,
  TlsPinError,
  describeError,
  UNAUTHORIZED_MESSAGE,
  EXIT_OK,
  EXIT_ERROR,
  EXIT_USAGE,
  CLI_ERROR,
  CLI_USAGE,
  CLI_CONFIG,
  CLI_TLS_PIN,
  CLI_TIMEOUT,
} from './errors.js';
export type { DescribedError } from './errors.js';

// ~/.flynnrc.
export { parseFlynnrc, formatFlynnrc, addCluster, removeCluster, setDefaultCluster, selectCluster, clusterUrls } from './core/flynnrc.js';
export type { Flynnrc, FlynnrcCluster } from './core/flynnrc.js';
export { flynnrcPath, flynnDir, readFlynnrc, writeFlynnrc } from './config.js';

// Talking to a cluster.
export { connectCluster } from './connection.js';
export type { ClusterConnection, ConnectOptions } from './connection.js';
export { tlsPinOf, tlsPinFromPem, decodeTlsPin, checkPin, pinnedConnector } from './tls-pin.js';
export { deployRelease, scaleAndWait, DEFAULT_DEPLOY_TIMEOUT_MS, DEFAULT_SCALE_TIMEOUT_MS } from './waits.js';
export type { DeployOptions, ScaleOptions, WaitOptions } from './waits.js';
export { streamAppLog } from './app-log.js';
export { runJobAttached, runJobDetached, AttachSession, ATTACH_PROTOCOL } from './run-job.js';
export type { AttachStreams, NewJob } from './run-job.js';

// Git remotes.
export { gitUrlFor, appFromGitUrl, parseGitRemotes } from './core/git-remote.js';
export type { RemoteApp } from './core/git-remote.js';
export { execGit } from './git.js';
export type { Git, GitResult } from './git.js';

// Pure helpers (formatting and parsing as the original CLI did).
export { formatTable } from './core/table.js';
export type { TableCell, TableRow } from './core/table.js';
export { parseScaleArgs, formatFormation, scaleSummary, scaleStep } from './core/scale.js';
export type { ScaleArgs, ScaleStep } from './core/scale.js';
export { parseLimits, parseLimit, formatLimit, formatLimits, LIMIT_TYPES } from './core/limits.js';
export type { LimitType } from './core/limits.js';
export { humanDuration, humanTime, clockTime, formatElapsed, parseDuration } from './core/human-time.js';
export { formatLogLine, formatLogTimestamp, logQuery, parseLogLine, LineSplitter } from './core/log-line.js';
export type { LogMessage, LogQueryOptions, LogStream } from './core/log-line.js';
export { encodeStdin, encodeStdinEof, encodeSignal, encodeResize, ServerFrameDecoder } from './core/attach-frames.js';
export type { ServerFrame } from './core/attach-frames.js';
