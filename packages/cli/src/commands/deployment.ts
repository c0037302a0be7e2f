/** `flynn deployment`: the app's deployments, deploy timeout and batch size. */
import type { Command, CommandContext } from '../command.js';
import { humanTime } from '../core/human-time.js';
import { UsageError } from '../errors.js';
import { JSON_OPTION } from './shared.js';

async function runList(ctx: CommandContext): Promise<void> {
  const deployments = await (await ctx.client()).deploymentList(await ctx.app());
  if (ctx.flag('json')) {
    ctx.json(deployments);
    return;
  }
  const now = ctx.clock.now();
  ctx.table([['ID', 'STATUS', 'CREATED', 'FINISHED'], ...deployments.map((d) => [d.id, d.status, humanTime(now, d.created_at), humanTime(now, d.finished_at)])]);
}

async function runTimeout(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const app = await ctx.app();
  const value = ctx.args[0];
  if (value === undefined) {
    ctx.out(String((await client.getApp(app)).deploy_timeout));
    return;
  }
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`error parsing timeout ${JSON.stringify(value)}: must be a number of seconds`, ctx.path);
  await client.updateApp(app, { deploy_timeout: Number(value) });
}

const BATCH_META = 'flynn-deploy-batch-size';

async function runBatchSize(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const app = await client.getApp(await ctx.app());
  const value = ctx.args[0];
  if (value === undefined) {
    ctx.out(app.meta[BATCH_META] ?? 'not set');
    return;
  }
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`error parsing batch-size ${JSON.stringify(value)}: must be a positive number`, ctx.path);
  await client.updateAppMeta(app.id, { ...app.meta, [BATCH_META]: value });
}

export const deploymentCommand: Command = {
  name: 'deployment',
  summary: 'list deployments',
  options: JSON_OPTION,
  run: runList,
  examples: [
    '$ flynn deployment',
    'ID                                    STATUS    CREATED         FINISHED',
    '39f8b98b-2aed-40a5-9423-ae174b3fb7a9  complete  16 seconds ago  14 seconds ago',
    '',
    '$ flynn deployment timeout 150',
  ],
  subcommands: [
    { name: 'timeout', summary: 'show or set the seconds to wait for each job when deploying', args: [{ name: 'seconds' }], run: runTimeout },
    { name: 'batch-size', summary: 'show or set the batch size of the in-batches strategy', args: [{ name: 'size' }], run: runBatchSize },
  ],
};
