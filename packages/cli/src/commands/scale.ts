/** `flynn scale`: show or change the formation, waiting for the jobs. */
import type { ControllerClient, Formation, Release } from '@flynn-ts/controller';
import type { Command, CommandContext } from '../command.js';
import { clockTime, formatElapsed } from '../core/human-time.js';
import { formatFormation, jobDisplayId, parseScaleArgs, scaleSummary } from '../core/scale.js';
import { CliError, UsageError } from '../errors.js';
import { scaleAndWait } from '../waits.js';
import { currentRelease, isNotFound, JSON_OPTION, timeoutOption } from './shared.js';

async function determineRelease(client: ControllerClient, app: string, releaseId: string | undefined): Promise<Release> {
  if (releaseId) return client.getRelease(releaseId);
  const release = await currentRelease(client, app);
  if (!release) throw new CliError('No app release, specify a release with --release');
  return release;
}

async function formationOf(client: ControllerClient, app: string, releaseId: string): Promise<Formation | undefined> {
  try {
    return await client.getFormation(app, releaseId);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function showFormations(ctx: CommandContext, client: ControllerClient, app: string): Promise<void> {
  const current = await determineRelease(client, app, ctx.str('release'));
  const all = ctx.flag('all');
  const releases = all ? await client.appReleaseList(app) : [current];
  const shown: Array<{ release: Release; formation: Formation }> = [];
  for (const r of releases) {
    const f = await formationOf(client, app, r.id);
    if (all && (!f || Object.values(f.processes).every((n) => n === 0))) continue;
    shown.push({ release: r, formation: f ?? { app, release: r.id, processes: {}, tags: {} } });
  }
  if (ctx.flag('json')) {
    ctx.json(shown.map((s) => s.formation));
    return;
  }
  shown.forEach(({ release, formation }, i) => {
    if (all) {
      if (i > 0) ctx.out('');
      ctx.out(`${release.id}${release.id === current.id ? ' (current)' : ''}`);
    }
    ctx.out(formatFormation(Object.keys(release.processes), formation.processes, all));
  });
}

async function runScale(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const client = await ctx.client();
  if (ctx.args.length === 0) return showFormations(ctx, client, app);
  if (ctx.flag('all')) throw new UsageError("Can't use --all when scaling", ctx.path);
  const timeoutMs = timeoutOption(ctx);
  const release = await determineRelease(client, app, ctx.str('release'));
  const types = Object.keys(release.processes);
  const args = parseScaleArgs(ctx.args, types);
  const appId = (await client.getApp(app)).id;
  const start = ctx.clock.monotonic();
  await scaleAndWait(client, appId, release, args, {
    clock: ctx.clock,
    signal: ctx.signal,
    noWait: ctx.flag('no-wait'),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onRequest: (req) => {
      const summary = scaleSummary(types, req);
      ctx.out(summary === '' ? 'scaling (no change)' : `scaling ${summary}`);
      if (!ctx.flag('no-wait')) ctx.out('');
    },
    onJob: (job) => ctx.out(`${clockTime(ctx.clock.now())} ==> ${job.type ?? 'run'} ${jobDisplayId(job)} ${job.state}`),
  });
  if (!ctx.flag('no-wait')) ctx.out(`\nscale completed in ${formatElapsed(ctx.clock.monotonic() - start)}`);
}

export const scaleCommand: Command = {
  name: 'scale',
  summary: 'show or change the formation',
  description: [
    'Changes the number of jobs (and host tags) for process types of a release, then waits for the',
    'scheduler to start or stop them, printing each job event. Arguments are TYPE=COUNT[,KEY=VAL...]:',
    '',
    '  web=3                  3 web processes',
    '  web=3,active=true      3 web processes on hosts tagged active=true',
    '',
    'Without arguments, shows the current scale.',
  ].join('\n'),
  options: {
    'no-wait': { type: 'boolean', short: 'n', description: "don't wait for the scaling events to happen" },
    release: { type: 'string', short: 'r', description: 'id of the release to scale (default: the current release)' },
    all: { type: 'boolean', short: 'a', description: 'show non-zero formations of all releases (listing only)' },
    timeout: { type: 'string', valueName: 'duration', description: 'how long to wait (default 30s; e.g. 90s, 5m)' },
    ...JSON_OPTION,
  },
  args: [{ name: 'type=count', variadic: true }],
  examples: [
    '$ flynn scale',
    'web=4 worker=2',
    '',
    '$ flynn scale web=2 worker=5',
    'scaling web: 4=>2, worker: 2=>5',
    '',
    '02:28:34.333 ==> web host0-3f656af6-f1e4-4092-aa70-37046236b203 down',
    '02:28:35.479 ==> worker host0-84f70ca1-8c96-41ef-83a1-78a19db867a3 up',
    '',
    'scale completed in 3.944s',
  ],
  run: runScale,
};
