/**
 * `flynn run`: a one-off job of the app's release, attached (stdin, stdout,
 * stderr, a TTY when both ends are terminals, signals forwarded, exit code
 * passed through) or detached (`-d`, prints the job id).
 */
import type { Command, CommandContext } from '../command.js';
import { parseLimits } from '../core/limits.js';
import { CliError } from '../errors.js';
import type { NewJob } from '../run-job.js';
import { AttachSession, runJobAttached, runJobDetached } from '../run-job.js';
import { currentRelease } from './shared.js';

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
const SIGKILL = 9;
const SIGWINCH = 28;
/** After forwarding SIGINT/SIGTERM, the job gets this long before SIGKILL (as the original). */
const KILL_AFTER_MS = 10_000;

async function buildJob(ctx: CommandContext, app: string): Promise<NewJob> {
  const client = await ctx.client();
  let releaseId = ctx.str('release');
  if (!releaseId) {
    const release = await currentRelease(client, app);
    if (!release) throw new CliError('No app release, specify a release with -r');
    if (release.artifacts.length === 0) throw new CliError('App release has no image, push a release first');
    releaseId = release.id;
  }
  const detached = ctx.flag('detached');
  const args = [...ctx.args];
  const entrypoint = ctx.str('entrypoint');
  if (entrypoint) args.unshift(entrypoint);
  const job: NewJob = { release: releaseId, args, release_env: true, disable_log: !detached && !ctx.flag('enable-log') };
  const limits = ctx.str('limits');
  if (limits) job.resources = Object.fromEntries(Object.entries(parseLimits(limits.split(','))).map(([t, n]) => [t, { limit: n, request: n }]));
  const profiles = ctx.str('profiles');
  if (profiles) job.profiles = profiles.split(',').filter((p) => p !== '');
  const mountsFrom = ctx.str('mounts-from');
  if (mountsFrom) job.mounts_from = mountsFrom;
  // Deprecated fields, for controllers that predate `args`.
  if (args.length > 0) job.entrypoint = [args[0]!];
  if (args.length > 1) job.cmd = args.slice(1);
  return job;
}

async function runRun(ctx: CommandContext): Promise<number> {
  const app = await ctx.app();
  const conn = await ctx.connection();
  const job = await buildJob(ctx, app);
  if (ctx.flag('detached')) {
    const started = await runJobDetached(conn, app, job);
    ctx.out(started.id ?? started.uuid);
    return 0;
  }
  const { stdin, stdout } = ctx.io;
  const tty = Boolean(stdin.isTTY && stdout.isTTY);
  if (tty) {
    job.tty = true;
    job.tty_columns = stdout.columns ?? 80;
    job.tty_lines = stdout.rows ?? 24;
    job.env = { ...(job.env ?? {}), COLUMNS: String(job.tty_columns), LINES: String(job.tty_lines), TERM: ctx.io.env.TERM ?? 'xterm' };
  }
  const { socket, head } = await runJobAttached(conn, app, job);
  const session = new AttachSession(socket, { stdin, stdout: ctx.io.stdout, stderr: ctx.io.stderr });
  const cleanups: Array<() => void> = [];
  if (tty && stdin.setRawMode) {
    stdin.setRawMode(true);
    cleanups.push(() => stdin.setRawMode?.(false));
    const out = stdout as unknown as NodeJS.EventEmitter;
    if (typeof out.on === 'function') {
      const onResize = () => {
        session.resize(stdout.rows ?? 24, stdout.columns ?? 80);
        session.signal(SIGWINCH);
      };
      out.on('resize', onResize);
      cleanups.push(() => out.off('resize', onResize));
    }
  }
  for (const [name, number] of Object.entries(SIGNALS)) {
    cleanups.push(
      ctx.io.onSignal(name as NodeJS.Signals, () => {
        session.signal(number);
        const timer = ctx.clock.setTimer(KILL_AFTER_MS, () => session.signal(SIGKILL));
        cleanups.push(() => timer.cancel());
      }),
    );
  }
  session.start(head);
  try {
    return await session.exit;
  } finally {
    for (const c of cleanups.reverse()) c();
    session.close();
    stdin.pause();
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a job',
  description:
    "Run a one-off job of the app's release. Attached (the default), stdin, stdout and stderr are connected to the job (with a TTY when both are terminals), SIGINT/SIGTERM are forwarded, and flynn exits with the job's exit code. Options go before the command; `--` may separate them.",
  optionsFirst: true,
  handlesSignals: true,
  options: {
    detached: { type: 'boolean', short: 'd', description: 'run the job without connecting io streams (implies --enable-log)' },
    release: { type: 'string', short: 'r', description: 'id of the release to run (default: the current release)' },
    entrypoint: { type: 'string', short: 'e', description: "[deprecated] prepended to the command" },
    'enable-log': { type: 'boolean', short: 'l', description: 'send output to the log streams' },
    limits: { type: 'string', valueName: 'limits', description: 'comma separated limits for the job, e.g. memory=512MB,cpu=500' },
    profiles: { type: 'string', valueName: 'profiles', description: 'job profiles (comma separated)' },
    'mounts-from': { type: 'string', valueName: 'proc', description: 'process type to copy mounts from' },
  },
  args: [
    { name: 'command', required: true },
    { name: 'argument', variadic: true },
  ],
  examples: ['$ flynn run -- echo hello', 'hello', '', '$ flynn run -d rake db:migrate', 'host0-129b821f-3195-4b3b-b04b-669196cfbb03'],
  run: runRun,
};
