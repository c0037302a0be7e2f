/** `flynn env`: the release environment (changes make a new release). */
import type { Command, CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { currentRelease, JSON_OPTION, parsePairs, setEnv } from './shared.js';

const PROCESS_TYPE = { 'process-type': { type: 'string', short: 't', valueName: 'proc', description: 'the env of this process type' } } as const;

async function runEnvList(ctx: CommandContext): Promise<void> {
  const release = await currentRelease(await ctx.client(), await ctx.app());
  const proc = ctx.str('process-type');
  const env = { ...(release?.env ?? {}), ...(proc ? (release?.processes[proc]?.env ?? {}) : {}) };
  if (ctx.flag('json')) {
    ctx.json(env);
    return;
  }
  for (const [k, v] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) ctx.out(`${k}=${v}`);
}

async function runEnvGet(ctx: CommandContext): Promise<void> {
  const name = ctx.args[0]!;
  const release = await currentRelease(await ctx.client(), await ctx.app());
  if (!release) throw new CliError('no app release found');
  const proc = ctx.str('process-type');
  if (proc && !release.processes[proc]) throw new CliError(`process type ${JSON.stringify(proc)} not found in release ${release.id}`);
  const value = (proc ? release.processes[proc]?.env?.[name] : undefined) ?? release.env[name];
  if (value === undefined) throw new CliError(`var ${JSON.stringify(name)} not found in release ${JSON.stringify(release.id)}`);
  ctx.out(value);
}

async function runEnvSet(ctx: CommandContext): Promise<void> {
  const id = await setEnv(ctx, ctx.str('process-type'), parsePairs(ctx.args));
  ctx.out(`Created release ${id}.`);
}

async function runEnvUnset(ctx: CommandContext): Promise<void> {
  const id = await setEnv(ctx, ctx.str('process-type'), Object.fromEntries(ctx.args.map((k) => [k, null])));
  ctx.out(`Created release ${id}.`);
}

export const envCommand: Command = {
  name: 'env',
  summary: 'manage env variables',
  description: 'Show or change the release environment. Changes create a new release and deploy it.',
  options: { ...PROCESS_TYPE, ...JSON_OPTION },
  run: runEnvList,
  examples: ['$ flynn env set FOO=bar BAZ=foobar', 'Created release 5058ae79-64f7-4c39-9a24-0bdd6e7d1bcb.', '', '$ flynn env', 'BAZ=foobar', 'FOO=bar', '', '$ flynn env get FOO', 'bar'],
  subcommands: [
    { name: 'get', summary: 'print the value of a variable', options: PROCESS_TYPE, args: [{ name: 'var', required: true }], run: runEnvGet },
    { name: 'set', summary: 'set variables (new release)', options: PROCESS_TYPE, args: [{ name: 'var>=<val', required: true, variadic: true }], run: runEnvSet },
    { name: 'unset', summary: 'remove variables (new release)', options: PROCESS_TYPE, args: [{ name: 'var', required: true, variadic: true }], run: runEnvUnset },
  ],
};
