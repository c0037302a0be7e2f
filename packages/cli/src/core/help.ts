/**
 * Help text generated from the command table: the main usage, and for each
 * command its usage lines (one per runnable subcommand, docopt style),
 * description, subcommands, options and examples.
 */
import type { ArgSpec, Command, OptionSpec } from '../command.js';
import { formatTable } from './table.js';

export const MAIN_USAGE = 'flynn [-a <app>] [-c <cluster>] <command> [<args>...]';

export const GLOBAL_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['-a <app>', 'app to act on (default: $FLYNN_APP, or the app of the git remote "flynn")'],
  ['-c <cluster>', 'cluster to use (default: $FLYNN_CLUSTER, or the default in ~/.flynnrc)'],
  ['-h, --help', 'show help'],
  ['--version', 'show the flynn version'],
];

function argText(a: ArgSpec): string {
  const base = `<${a.name}>${a.variadic ? '...' : ''}`;
  return a.required ? base : `[${base}]`;
}

/** The usage line of one command (without "usage: "). */
export function usageLine(path: readonly string[], cmd: Command): string {
  const parts = ['flynn', ...path];
  if (cmd.options && Object.keys(cmd.options).length > 0) parts.push('[options]');
  if (cmd.optionsFirst) parts.push('[--]');
  for (const a of cmd.args ?? []) parts.push(argText(a));
  return parts.join(' ');
}

/** Every runnable command at or under `path`, with its path. */
export function runnableCommands(path: readonly string[], cmd: Command): Array<{ path: string[]; cmd: Command }> {
  const out: Array<{ path: string[]; cmd: Command }> = [];
  if (cmd.run) out.push({ path: [...path], cmd });
  for (const sub of cmd.subcommands ?? []) if (!sub.hidden) out.push(...runnableCommands([...path, sub.name], sub));
  return out;
}

export function optionLabel(name: string, o: OptionSpec): string {
  const long = `--${name}${o.type === 'string' ? ` <${o.valueName ?? name}>` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `flynn <path> --help`. */
export function commandHelp(path: readonly string[], cmd: Command): string {
  const lines = runnableCommands(path, cmd).map((r) => usageLine(r.path, r.cmd));
  if (lines.length === 0) lines.push(usageLine(path, cmd));
  let out = lines.map((l, i) => `${i === 0 ? 'usage: ' : '       '}${l}`).join('\n') + '\n\n';
  out += `${cmd.description ?? `${capitalize(cmd.summary)}.`}\n`;
  const subs = runnableCommands([], cmd).filter((r) => r.path.length > 0);
  if (subs.length > 0) {
    out += '\nCommands:\n' + indent(formatTable(subs.map((r) => [r.path.join(' '), r.cmd.summary])));
  }
  const options = Object.entries(cmd.options ?? {});
  const rows = options.map(([name, o]) => [optionLabel(name, o), o.description]);
  rows.push(['-h, --help', 'show this help']);
  out += '\nOptions:\n' + indent(formatTable(rows));
  if (cmd.examples && cmd.examples.length > 0) out += '\nExamples:\n' + indent(cmd.examples.join('\n')) + '\n';
  return out;
}

/** `flynn help` / `flynn --help`. */
export function mainHelp(commands: readonly Command[]): string {
  let out = `usage: ${MAIN_USAGE}\n\nOptions:\n` + indent(formatTable(GLOBAL_OPTIONS));
  const visible = commands.filter((c) => !c.hidden);
  out += '\nCommands:\n' + indent(formatTable([['help', 'show usage for a specific command'], ...visible.map((c) => [c.name, c.summary])]));
  out += "\nSee 'flynn help <command>' for more information on a specific command.\n";
  return out;
}
