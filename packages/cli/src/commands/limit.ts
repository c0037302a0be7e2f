/** `flynn limit`: resource limits of process types (a new release). */
import type { Command, CommandContext } from '../command.js';
import { formatLimits, LIMIT_TYPES, parseLimits } from '../core/limits.js';
import { CliError } from '../errors.js';
import { currentRelease, JSON_OPTION, releaseWith } from './shared.js';

async function runList(ctx: CommandContext): Promise<void> {
  const release = await currentRelease(await ctx.client(), await ctx.app());
  if (!release) return;
  const only = ctx.str('process-type');
  if (only && !release.processes[only]) throw new CliError(`unknown process type ${JSON.stringify(only)}`);
  const types = only ? [only] : Object.keys(release.processes).sort();
  if (ctx.flag('json')) {
    ctx.json(Object.fromEntries(types.map((t) => [t, release.processes[t]?.resources ?? {}])));
    return;
  }
  ctx.table(types.map((t) => [`${t}:`, ...formatLimits(release.processes[t]?.resources)]));
}

async function runSet(ctx: CommandContext): Promise<void> {
  const [proc, ...specs] = ctx.args as [string, ...string[]];
  const limits = parseLimits(specs);
  const id = await releaseWith(ctx, (r) => {
    const existing = r.processes[proc];
    if (!existing) ctx.log(`Warning: ${JSON.stringify(proc)} is not an existing process type, setting anyway`);
    const p = existing ?? (r.processes[proc] = {});
    const resources = { ...(p.resources ?? {}) };
    // The request follows the new limit (the controller fills it in when absent).
    for (const [type, limit] of Object.entries(limits)) resources[type] = { limit };
    p.resources = resources;
  });
  ctx.out(`Created release ${id}`);
}

export const limitCommand: Command = {
  name: 'limit',
  summary: 'manage resource limits',
  description: `Show or set resource limits of process types (${LIMIT_TYPES.join(', ')}). Setting creates a new release and deploys it.`,
  options: { 'process-type': { type: 'string', short: 't', valueName: 'proc', description: 'only this process type' }, ...JSON_OPTION },
  run: runList,
  examples: [
    '$ flynn limit',
    'web:     cpu=1000  max_fd=10000  memory=1GB  temp_disk=100MB',
    '',
    '$ flynn limit set web memory=512MB max_fd=12000',
    'Created release 5058ae79-64f7-4c39-9a24-0bdd6e7d1bcb',
  ],
  subcommands: [
    {
      name: 'set',
      summary: 'set limits of a process type',
      args: [
        { name: 'proc', required: true },
        { name: 'var>=<val', required: true, variadic: true },
      ],
      run: runSet,
    },
  ],
};
