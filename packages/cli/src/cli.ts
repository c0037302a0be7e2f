/**
 * `flynn [-a <app>] [-c <cluster>] <command> [<args>...]`: global options,
 * command lookup through the table (subcommands by name), help, and the
 * mapping of outcomes to exit codes (0 ok, 1 error, 2 usage, 130
 * interrupted; `flynn run` exits with the job's code).
 */
import { systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import { parseCommandLine } from './args.js';
import type { Command, GlobalOptions } from './command.js';
import { COMMANDS } from './commands/index.js';
import { RunContext } from './context.js';
import { commandHelp, mainHelp } from './core/help.js';
import { describeError, EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { execGit } from './git.js';
import type { Git } from './git.js';
import type { CliIo } from './io.js';

export const EXIT_INTERRUPTED = 130;

export interface RunCliOptions {
  /** The CLI's version (from package.json). Default `dev`. */
  version?: string;
  clock?: Clock;
  git?: Git;
  /** The command table. Default every built-in command. */
  commands?: readonly Command[];
  /** Per-request deadline for controller calls. Default 30 000 ms. */
  timeoutMs?: number;
}

interface Found {
  path: string[];
  cmd: Command;
  rest: string[];
}

/** Finds the command named by the first words of `argv` (descending into subcommands). */
export function findCommand(commands: readonly Command[], argv: readonly string[]): Found | undefined {
  const [name, ...rest] = argv;
  const top = commands.find((c) => c.name === name);
  if (!top || name === undefined) return undefined;
  const path = [name];
  let cmd = top;
  while (rest.length > 0) {
    const sub = cmd.subcommands?.find((s) => s.name === rest[0]);
    if (!sub) break;
    path.push(sub.name);
    cmd = sub;
    rest.shift();
  }
  return { path, cmd, rest };
}

/** Parses the options before the command. */
function parseGlobals(argv: readonly string[]): { global: GlobalOptions; help: boolean; version: boolean; rest: string[] } {
  const global: GlobalOptions = {};
  let help = false;
  let version = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === '--') {
      i++;
      break;
    }
    if (!t.startsWith('-') || t === '-') break;
    if (t === '-h' || t === '--help') help = true;
    else if (t === '--version') version = true;
    else if (t === '-a' || t === '-c') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${t} needs a value`);
      if (t === '-a') global.app = v;
      else global.cluster = v;
    } else if (/^-[ac]./.test(t)) {
      if (t[1] === 'a') global.app = t.slice(2);
      else global.cluster = t.slice(2);
    } else throw new UsageError(`unknown option ${t}`);
  }
  return { global, help, version, rest: argv.slice(i) };
}

export async function runCli(argv: readonly string[], io: CliIo, options: RunCliOptions = {}): Promise<number> {
  const commands = options.commands ?? COMMANDS;
  const version = options.version ?? 'dev';
  const usageFail = (err: UsageError): number => {
    const found = err.path.length > 0 ? findCommand(commands, err.path) : undefined;
    io.stderr.write(`flynn: ${err.message}\n\n${found ? commandHelp(found.path, found.cmd) : mainHelp(commands)}`);
    return EXIT_USAGE;
  };

  let globals;
  try {
    globals = parseGlobals(argv);
  } catch (err) {
    return usageFail(err as UsageError);
  }
  if (globals.version) {
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  let words = globals.rest;
  if (words[0] === 'help') {
    if (words.length === 1) {
      io.stdout.write(mainHelp(commands));
      return EXIT_OK;
    }
    words = [...words.slice(1), '--help'];
  }
  if (words.length === 0) {
    if (globals.help) {
      io.stdout.write(mainHelp(commands));
      return EXIT_OK;
    }
    io.stderr.write(mainHelp(commands));
    return EXIT_USAGE;
  }
  const found = findCommand(commands, words);
  if (!found) return usageFail(new UsageError(`${JSON.stringify(words[0])} is not a flynn command. See 'flynn help'.`));
  const { path, cmd } = found;
  let parsed;
  try {
    parsed = parseCommandLine(cmd, path, globals.help ? [...found.rest, '--help'] : found.rest);
  } catch (err) {
    return usageFail(err as UsageError);
  }
  if (parsed.help) {
    io.stdout.write(commandHelp(path, cmd));
    return EXIT_OK;
  }
  if (!cmd.run) {
    const sub = parsed.args[0];
    return usageFail(new UsageError(sub === undefined ? `${path.join(' ')} needs a subcommand` : `unknown subcommand ${JSON.stringify(sub)}`, path));
  }
  return execute(cmd, path, parsed, globals.global, io, options, version);
}

async function execute(
  cmd: Command,
  path: string[],
  parsed: { options: Record<string, unknown>; args: string[] },
  global: GlobalOptions,
  io: CliIo,
  options: RunCliOptions,
  version: string,
): Promise<number> {
  const interrupt = new AbortController();
  const offs = cmd.handlesSignals ? [] : (['SIGINT', 'SIGTERM'] as const).map((s) => io.onSignal(s, () => interrupt.abort()));
  const ctx = new RunContext({
    path,
    options: parsed.options as RunContext['options'],
    args: parsed.args,
    global,
    io,
    clock: options.clock ?? systemClock,
    git: options.git ?? execGit(io.cwd, io.env),
    version,
    signal: interrupt.signal,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const interrupted = new Promise<'interrupted'>((resolve) => interrupt.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }));
  try {
    const result = await Promise.race([cmd.run!(ctx), interrupted]);
    if (result === 'interrupted') {
      io.stderr.write('interrupted\n');
      return EXIT_INTERRUPTED;
    }
    return typeof result === 'number' ? result : EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`flynn: ${err.message}\n\n${commandHelp(path, cmd)}`);
      return EXIT_USAGE;
    }
    if (interrupt.signal.aborted) {
      io.stderr.write('interrupted\n');
      return EXIT_INTERRUPTED;
    }
    const d = describeError(err, ctx.controllerUrl);
    io.stderr.write(`${d.message}\n`);
    return d.exitCode === EXIT_OK ? EXIT_ERROR : d.exitCode;
  } finally {
    for (const off of offs) off();
    await ctx.close();
  }
}
