/** `flynn log`: the app's log lines, optionally followed. */
import { streamAppLog } from '../app-log.js';
import type { Command, CommandContext } from '../command.js';
import { formatLogLine } from '../core/log-line.js';
import type { LogStream } from '../core/log-line.js';
import { UsageError } from '../errors.js';

async function runLog(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const conn = await ctx.connection();
  const linesText = ctx.str('number');
  let lines: number | undefined;
  if (linesText !== undefined) {
    if (!/^\d+$/.test(linesText)) throw new UsageError(`invalid --number ${JSON.stringify(linesText)}: must be a number of lines`, ctx.path);
    lines = Number(linesText);
  }
  const init = ctx.flag('init');
  const streamTypes: LogStream[] = init ? ['stdout', 'stderr', 'init'] : ['stdout', 'stderr'];
  const raw = ctx.flag('raw-output');
  const split = ctx.flag('split-stderr');
  const messages = streamAppLog(
    conn,
    app,
    {
      follow: ctx.flag('follow'),
      streamTypes,
      ...(ctx.str('job') ? { jobId: ctx.str('job')! } : {}),
      ...(ctx.str('process-type') !== undefined ? { processType: ctx.str('process-type')! } : {}),
      ...(lines !== undefined ? { lines } : {}),
    },
    ctx.signal,
  );
  for await (const m of messages) {
    const line = `${formatLogLine(m, raw)}\n`;
    if (m.stream === 'stdout') ctx.io.stdout.write(line);
    else if (m.stream === 'stderr') (split ? ctx.io.stderr : ctx.io.stdout).write(line);
    else if (m.stream === 'init' && init) ctx.io.stderr.write(line);
  }
}

export const logCommand: Command = {
  name: 'log',
  summary: 'show app log',
  description: "Show the app's log (the newest lines the log aggregator keeps), and follow new lines with -f.",
  options: {
    follow: { type: 'boolean', short: 'f', description: 'stream new lines' },
    job: { type: 'string', short: 'j', valueName: 'id', description: 'only lines of this job' },
    number: { type: 'string', short: 'n', valueName: 'lines', description: 'at most this many lines from the log buffer' },
    'raw-output': { type: 'boolean', short: 'r', description: 'print the messages without a prefix' },
    'split-stderr': { type: 'boolean', short: 's', description: 'send stderr lines to stderr' },
    'process-type': { type: 'string', short: 't', valueName: 'type', description: 'only lines of this process type' },
    init: { type: 'boolean', short: 'i', description: 'also print containerinit lines (to stderr)' },
  },
  examples: ['$ flynn log -n 1', '2015-05-06T21:58:12.751741Z app[web.host0-3f656af6-f1e4-4092-aa70-37046236b203]: listening on :8080'],
  run: runLog,
};
