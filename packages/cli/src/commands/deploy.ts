/** `flynn deploy <release>`: deploys a release and follows the deployment. */
import type { Command, CommandContext } from '../command.js';
import { clockTime } from '../core/human-time.js';
import { deployRelease } from '../waits.js';
import { JSON_OPTION, timeoutOption } from './shared.js';

async function runDeploy(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const app = await ctx.app();
  const timeoutMs = timeoutOption(ctx);
  const noWait = ctx.flag('no-wait');
  const d = await deployRelease(client, app, ctx.args[0]!, {
    clock: ctx.clock,
    signal: ctx.signal,
    noWait,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onEvent: (e) => ctx.out(`${clockTime(ctx.clock.now())} ==> ${e.status}${e.job_type ? ` ${e.job_type} ${e.job_state ?? ''}`.trimEnd() : ''}`),
  });
  if (ctx.flag('json')) ctx.json(d);
  else if (d.status === 'complete') ctx.out(`Deployed release ${d.new_release} (deployment ${d.id}).`);
  else ctx.out(`Created deployment ${d.id} (${d.status}).`);
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'deploy a release',
  description: 'Deploys a release of the app with its deployment strategy and waits until the deployment is complete (or failed).',
  options: {
    'no-wait': { type: 'boolean', short: 'n', description: "don't wait for the deployment to finish" },
    timeout: { type: 'string', valueName: 'duration', description: 'how long to wait (default 10m)' },
    ...JSON_OPTION,
  },
  args: [{ name: 'release', required: true }],
  examples: ['$ flynn deploy 989ce4a8-0088-444c-8379-caddded4b957', '12:00:01.120 ==> running', '12:00:04.310 ==> complete', 'Deployed release 989ce4a8-0088-444c-8379-caddded4b957 (deployment 5a1e…).'],
  run: runDeploy,
};
