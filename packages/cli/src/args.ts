/**
 * Argument parsing with node:util `parseArgs`, driven by a command's
 * descriptor: its options (plus `-h/--help`), then a check of the
 * positional arguments against its `args`. Problems are `UsageError`s
 * (exit 2). Commands with `optionsFirst` stop at the first positional and
 * pass the rest through untouched.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { Command, OptionValues } from './command.js';
import { UsageError } from './errors.js';

export interface ParsedCommandLine {
  options: OptionValues;
  args: string[];
  help: boolean;
}

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

function parseOptions(cmd: Command): ParseOptions {
  const options: ParseOptions = {};
  for (const [name, o] of Object.entries(cmd.options ?? {})) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  if (!('help' in options)) options.help = { type: 'boolean', ...(Object.values(options).some((o) => o.short === 'h') ? {} : { short: 'h' }) };
  return options;
}

/** Splits `argv` at the first positional (or `--`) for an options-first command. */
export function splitOptionsFirst(argv: readonly string[], options: ParseOptions): { head: string[]; rest: string[] } {
  const takesValue = (token: string): boolean => {
    if (token.startsWith('--')) {
      if (token.includes('=')) return false;
      return options[token.slice(2)]?.type === 'string';
    }
    // `-x value` only: a short option with its value attached (`-xvalue`) or a group of flags takes none.
    if (token.length !== 2) return false;
    const short = token.slice(1);
    return Object.values(options).some((o) => o.short === short && o.type === 'string');
  };
  const head: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return { head, rest: argv.slice(i + 1) };
    if (!token.startsWith('-') || token === '-') return { head, rest: argv.slice(i) };
    head.push(token);
    if (takesValue(token) && i + 1 < argv.length) head.push(argv[++i]!);
  }
  return { head, rest: [] };
}

function usageMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return (e.message ?? 'invalid option value').replace(/\.$/, '');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? ''}`.trim();
    default:
      return e.message ?? String(err);
  }
}

export function parseCommandLine(cmd: Command, path: readonly string[], argv: readonly string[]): ParsedCommandLine {
  const options = parseOptions(cmd);
  let head = [...argv];
  let rest: string[] = [];
  if (cmd.optionsFirst) ({ head, rest } = splitOptionsFirst(argv, options));
  let parsed;
  try {
    parsed = parseArgs({ args: head, options, strict: true, allowPositionals: !cmd.optionsFirst });
  } catch (err) {
    throw new UsageError(usageMessage(err), path);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = values.help === true && !(cmd.options && 'help' in cmd.options);
  const args = [...parsed.positionals, ...rest];
  if (!help) checkArgs(cmd, path, args);
  return { options: values, args, help };
}

function checkArgs(cmd: Command, path: readonly string[], args: readonly string[]): void {
  const specs = cmd.args ?? [];
  const required = specs.filter((a) => a.required);
  if (args.length < required.length) throw new UsageError(`missing argument <${required[args.length]!.name}>`, path);
  if (!specs.some((a) => a.variadic) && args.length > specs.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args[specs.length])}`, path);
  }
}
