/** `flynn ps`: the app's jobs. */
import type { Job } from '@flynn-ts/controller';
import type { Command, CommandContext } from '../command.js';
import { humanTime } from '../core/human-time.js';
import { jobDisplayId } from '../core/scale.js';
import { JSON_OPTION } from './shared.js';

async function runPs(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const jobs = (await (await ctx.client()).jobList(app)).sort((a, b) => a.created_at.localeCompare(b.created_at));
  const type = ctx.str('type');
  const shown = jobs.filter((j: Job) => {
    if (!ctx.flag('all') && j.state !== 'up' && j.state !== 'pending') return false;
    return type === undefined || (j.type || 'run') === type;
  });
  if (ctx.flag('json')) {
    ctx.json(shown);
    return;
  }
  if (ctx.flag('quiet')) {
    for (const j of shown) ctx.out(jobDisplayId(j));
    return;
  }
  const now = ctx.clock.now();
  const command = ctx.flag('command');
  ctx.table([
    ['ID', 'TYPE', 'STATE', 'CREATED', 'RELEASE', ...(command ? ['COMMAND'] : [])],
    ...shown.map((j) => [jobDisplayId(j), j.type || 'run', j.state, humanTime(now, j.created_at), j.release ?? '', ...(command ? [(j.args ?? []).join(' ')] : [])]),
  ]);
}

export const psCommand: Command = {
  name: 'ps',
  summary: 'list jobs',
  description: 'List the app\'s jobs: running and pending ones, or all with --all.',
  options: {
    all: { type: 'boolean', short: 'a', description: 'show all jobs (default: running and pending)' },
    command: { type: 'boolean', short: 'c', description: 'show the command' },
    quiet: { type: 'boolean', short: 'q', description: 'only print job IDs' },
    type: { type: 'string', short: 't', description: 'only jobs of this process type' },
    ...JSON_OPTION,
  },
  examples: [
    '$ flynn ps',
    'ID                                          TYPE  STATE  CREATED             RELEASE',
    'host0-52aedfbf-e613-40f2-941a-d832d10fc400  web   up     About a minute ago  cf39a906-38d1-4393-a6b1-8ad2befe8142',
  ],
  run: runPs,
};
