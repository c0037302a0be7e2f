/**
 * `flynn scale` without I/O: parsing `type=count[,tag=val...]` arguments,
 * printing formations (`web=2 worker=1`), the "scaling web: 0=>2" summary,
 * and following the event stream to completion (the original's
 * ScaleAppRelease: job events of the release are progress, the scale
 * request's `complete` ends the wait, `cancelled` fails it).
 */
import type { ControllerEvent, Job, ProcessCounts, ProcessTags, ScaleRequest } from '@flynn-ts/controller';
import { CliError } from '../errors.js';

export interface ScaleArgs {
  processes: ProcessCounts;
  /** Only for types given tags. */
  tags: ProcessTags;
}

/** Parses the arguments against the release's process types (original messages). */
export function parseScaleArgs(args: readonly string[], processTypes: readonly string[]): ScaleArgs {
  const processes: ProcessCounts = {};
  const tags: ProcessTags = {};
  const unknown: string[] = [];
  for (const arg of args) {
    const i = arg.indexOf('=');
    if (i <= 0) throw new CliError('scale args must be of the form <type>=<spec>');
    const type = arg.slice(0, i);
    const [countText = '', ...tagSpecs] = arg.slice(i + 1).split(',');
    if (!/^-?\d+$/.test(countText)) throw new CliError(`could not parse quantity in ${JSON.stringify(arg)}`);
    const count = Number(countText);
    if (count < 0) throw new CliError(`process quantities cannot be negative in ${JSON.stringify(arg)}`);
    if (!processTypes.includes(type)) {
      unknown.push(JSON.stringify(type));
      continue;
    }
    processes[type] = count;
    if (tagSpecs.length > 0) {
      const t: Record<string, string> = {};
      for (const spec of tagSpecs) {
        const j = spec.indexOf('=');
        if (j < 0 && spec !== '') t[spec] = 'true';
        else if (j >= 0) t[spec.slice(0, j)] = spec.slice(j + 1);
      }
      tags[type] = t;
    }
  }
  if (unknown.length > 0) throw new CliError(`unknown process types: ${unknown.join(', ')}`);
  return { processes, tags };
}

/** `web=2 worker=0` over the release's types, sorted; with `skipZero`, types at 0 are left out. */
export function formatFormation(processTypes: readonly string[], counts: ProcessCounts | undefined, skipZero = false): string {
  return [...processTypes]
    .sort()
    .map((t) => [t, counts?.[t] ?? 0] as const)
    .filter(([, n]) => !skipZero || n !== 0)
    .map(([t, n]) => `${t}=${n}`)
    .join(' ');
}

/** `web: 0=>2, worker: 1=>0`: the types whose count changes. */
export function scaleSummary(processTypes: readonly string[], req: Pick<ScaleRequest, 'old_processes' | 'new_processes'>): string {
  const changes: string[] = [];
  for (const t of [...processTypes].sort()) {
    const next = req.new_processes?.[t];
    const prev = req.old_processes?.[t] ?? 0;
    if (next !== undefined && next !== prev) changes.push(`${t}: ${prev}=>${next}`);
  }
  return changes.join(', ');
}

export type ScaleStep =
  | { kind: 'job'; job: Job }
  | { kind: 'complete' }
  | { kind: 'cancelled' }
  | { kind: 'ignore' };

/** What one event means while waiting for scale request `requestId` of `releaseId`. */
export function scaleStep(event: ControllerEvent, requestId: string, releaseId: string): ScaleStep {
  if (event.object_type === 'job') {
    const job = event.data as Job | null;
    return job && job.release === releaseId ? { kind: 'job', job } : { kind: 'ignore' };
  }
  if (event.object_type === 'scale_request' || event.object_type === 'scale_request_cancelation') {
    const req = event.data as ScaleRequest | null;
    if (!req || req.id !== requestId) return { kind: 'ignore' };
    if (req.state === 'complete') return { kind: 'complete' };
    if (req.state === 'cancelled') return { kind: 'cancelled' };
  }
  return { kind: 'ignore' };
}

/** A job's display id: the full cluster id, or the UUID while it has none. */
export function jobDisplayId(job: Pick<Job, 'id' | 'uuid'>): string {
  return job.id || job.uuid;
}
