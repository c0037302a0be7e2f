/** `flynn kill`: stops jobs. */
import type { Command, CommandContext } from '../command.js';
import { CliError } from '../errors.js';

async function runKill(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const client = await ctx.client();
  let ok = true;
  for (const job of ctx.args) {
    try {
      await client.deleteJob(app, job);
      ctx.out(`Job ${job} killed.`);
    } catch (err) {
      ok = false;
      ctx.log(`ERROR: could not kill job ${job}: ${(err as Error).message}`);
    }
  }
  if (!ok) throw new CliError('Could not kill all jobs.');
}

export const killCommand: Command = {
  name: 'kill',
  summary: 'kill jobs',
  args: [{ name: 'job', required: true, variadic: true }],
  examples: ['$ flynn kill host0-52aedfbf-e613-40f2-941a-d832d10fc400', 'Job host0-52aedfbf-e613-40f2-941a-d832d10fc400 killed.'],
  run: runKill,
};
