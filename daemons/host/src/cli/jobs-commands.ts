/** `flynn-host ps | inspect | log | stop | signal`. */
import { constants } from 'node:os';
import type { ActiveJob } from '@flynn-ts/host';
import type { CommandContext } from './context.js';
import { client, parse, table, UsageError } from './context.js';

export async function ps({ argv, io }: CommandContext): Promise<number> {
  const { values } = parse(argv, { all: { type: 'boolean', short: 'a' }, quiet: { type: 'boolean', short: 'q' } });
  const c = client(values, io);
  try {
    const jobs = Object.values(await c.listJobs({ active: !values.all })).sort((a, b) => a.created_at.localeCompare(b.created_at));
    if (values.quiet) {
      for (const j of jobs) io.out(`${j.job.id}\n`);
      return 0;
    }
    const rows = [['JOB ID', 'STATE', 'STARTED', 'CONTROLLER APP', 'CONTROLLER TYPE']];
    for (const j of jobs) rows.push([j.job.id, state(j), j.started_at ?? '', j.job.metadata?.['flynn-controller.app_name'] ?? '', j.job.metadata?.['flynn-controller.type'] ?? '']);
    io.out(table(rows));
    return 0;
  } finally {
    await c.close();
  }
}

function state(j: ActiveJob): string {
  if (j.status === 'crashed' || j.status === 'done') return j.exit_status === undefined ? j.status : `${j.status} (${j.exit_status})`;
  return j.status;
}

export async function inspect({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('inspect needs exactly one job id');
  const c = client(values, io);
  try {
    const j = await c.getJob(positionals[0]!);
    if (values.json) {
      io.out(`${JSON.stringify(j, null, 2)}\n`);
      return 0;
    }
    const rows: string[][] = [
      ['ID', j.job.id],
      ['Status', state(j)],
      ['Host', j.host_id],
      ['Args', JSON.stringify(j.job.config.args ?? [])],
      ['Created', j.created_at],
      ['Started', j.started_at ?? ''],
      ['Ended', j.ended_at ?? ''],
      ['PID', j.pid === undefined ? '' : String(j.pid)],
      ['IP Address', j.internal_ip ?? ''],
    ];
    if (j.error) rows.push(['Error', j.error]);
    for (const [k, v] of Object.entries(j.job.config.env ?? {}).sort()) rows.push([`ENV[${k}]`, v]);
    for (const [k, v] of Object.entries(j.job.metadata ?? {}).sort()) rows.push([`META[${k}]`, v]);
    io.out(table(rows));
    return 0;
  } finally {
    await c.close();
  }
}

export async function log({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, { follow: { type: 'boolean', short: 'f' }, lines: { type: 'string' }, 'split-stderr': { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('log needs exactly one job id');
  const lines = values.lines === undefined ? undefined : Number(values.lines);
  if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0)) throw new UsageError('--lines must be a non-negative integer');
  const c = client(values, io);
  try {
    for await (const l of c.jobLog(positionals[0]!, { ...(lines !== undefined ? { lines } : {}), follow: values.follow === true })) {
      if (values['split-stderr'] && l.stream === 'stderr') io.err(`${l.message}\n`);
      else io.out(`${l.message}\n`);
    }
    return 0;
  } finally {
    await c.close();
  }
}

export async function stop({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, {});
  if (positionals.length === 0) throw new UsageError('stop needs at least one job id');
  const c = client(values, io);
  let status = 0;
  try {
    for (const id of positionals) {
      try {
        await c.stopJob(id);
        io.out(`${id} stopped\n`);
      } catch (err) {
        io.err(`${id}: ${(err as Error).message}\n`);
        status = 1;
      }
    }
    return status;
  } finally {
    await c.close();
  }
}

export async function signal({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, {});
  if (positionals.length !== 2) throw new UsageError('signal needs a job id and a signal');
  const sig = signalNumber(positionals[1]!);
  const c = client(values, io);
  try {
    await c.signalJob(positionals[0]!, sig);
    io.out(`sent signal ${sig} to ${positionals[0]}\n`);
    return 0;
  } finally {
    await c.close();
  }
}

/** `15`, `TERM` or `SIGTERM` → 15. */
export function signalNumber(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as keyof typeof constants.signals;
  const n = constants.signals[name];
  if (n === undefined) throw new UsageError(`unknown signal ${JSON.stringify(text)}`);
  return n;
}
