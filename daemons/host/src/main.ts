/**
 * `flynn-host`: the per-host job daemon and its CLI.
 *
 *   flynn-host daemon [--http-port 1113] [--state DIR] [--driver oci|process] ...
 *   flynn-host ps | inspect | log | run | stop | signal | tags | volume | image ...
 *
 * `daemon` composes @flynn-ts/host (./daemon.ts); the other commands talk to
 * a daemon's HTTP API with the HostClient SDK (./cli). Errors print one line
 * to stderr and exit non-zero (2 for a command line mistake).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { runDaemon as runUntilSignal, runMain, untilAborted } from '@flynn-ts/core/daemon';
import { ConfigError, hostJsonArgs, parseDaemonArgs } from './daemon-config.js';
import { runDaemon } from './daemon.js';
import type { CliIo, CommandContext } from './cli/context.js';
import { describeError, UsageError } from './cli/context.js';
import { inspect, log, ps, signal, stop } from './cli/jobs-commands.js';
import { tags, volume } from './cli/host-commands.js';
import { image } from './cli/image-command.js';
import { init } from './cli/init-command.js';
import { run } from './cli/run-command.js';
import { COMMAND_USAGE, DAEMON_USAGE, USAGE } from './usage.js';

export { parseDaemonArgs, hostJsonArgs, ConfigError } from './daemon-config.js';
export type { DaemonConfig, Machine } from './daemon-config.js';
export { runDaemon } from './daemon.js';

const COMMANDS: Record<string, (ctx: CommandContext) => Promise<number>> = { ps, inspect, log, run, stop, signal, tags, volume, image, init };

/** Runs `flynn-host` with `argv` (without node and the script); resolves with the exit status. */
export async function runFlynnHost(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0];
    io.out(`${topic === 'daemon' ? DAEMON_USAGE : (topic && COMMAND_USAGE[topic]) || USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'daemon') return daemon(rest, io);
  if (command === 'bootstrap') {
    const { bootstrapCommand } = await import('@flynn-ts/bootstrap');
    return bootstrapCommand(rest, { out: io.out, err: io.err, env: io.env, stdoutIsTty: process.stdout.isTTY === true });
  }
  const fn = COMMANDS[command];
  if (!fn) {
    io.err(`flynn-host: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${COMMAND_USAGE[command]}\n`);
    return 0;
  }
  try {
    return await fn({ argv: rest, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`flynn-host ${command}: ${err.message}\n${COMMAND_USAGE[command] ?? ''}\n`);
      return 2;
    }
    io.err(`flynn-host ${command}: ${describeError(err)}\n`);
    return 1;
  }
}

async function daemon(argv: string[], io: CliIo): Promise<number> {
  let config;
  try {
    const configPath = io.env.FLYNN_HOST_CONFIG ?? '/etc/flynn/host.json';
    config = parseDaemonArgs(argv, { hostname: hostname(), isRoot: process.getuid?.() === 0, hasRunc: hasCommand('runc') }, hostJsonArgs(readOptional(configPath)));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n\nrun flynn-host help daemon for usage\n`);
    return 2;
  }
  if (config === 'help') {
    io.out(`${DAEMON_USAGE}\n`);
    return 0;
  }
  const daemonConfig = config;
  // The daemon logs the signal itself (with what it does to the jobs); a second one exits at once.
  return runUntilSignal((stop) => runDaemon(daemonConfig, { stopSignal: untilAborted(stop).then(String), write: (line) => io.err(`${line}\n`) }));
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The real process as the CLI's io (built only when this module is the program: touching stdin opens it). */
function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stdin: process.stdin,
    stdinIsTty: process.stdin.isTTY === true,
    env: process.env,
  };
}

// Commands that may leave handles open (the daemon, an attached job) exit at once; the rest let stdout drain.
runMain(import.meta.url, 'flynn-host', () => runFlynnHost(process.argv.slice(2), processIo()), {
  version: true,
  exit: process.argv[2] === 'daemon' || process.argv[2] === 'run',
});
