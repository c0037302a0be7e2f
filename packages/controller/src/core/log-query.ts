/**
 * The query of `GET /apps/:id/log` (reference §5.3), checked here and passed
 * on to the log aggregator's `GET /log/:app_id` (reference §10) in its names:
 *
 * - `follow=true`: keep streaming new lines (any other value: no);
 * - `lines`: 0–10000, the newest lines first sent;
 * - `job_id`: one job's lines;
 * - `process_type` (may repeat; empty = lines without a type);
 * - `stream_types`: comma-separated `stdout`, `stderr`, `init`.
 */
import { validationError } from '../errors.js';

export const LOG_MAX_LINES = 10_000;
export const LOG_STREAM_TYPES = ['stdout', 'stderr', 'init', 'unknown'] as const;

export interface AppLogQuery {
  follow: boolean;
  lines?: number;
  jobId?: string;
  processTypes?: string[];
  streamTypes?: string[];
}

/** Parses `name → values` (every value of a repeated parameter). Throws a 400 naming the parameter. */
export function parseAppLogQuery(params: Readonly<Record<string, readonly string[] | undefined>>): AppLogQuery {
  const first = (name: string) => params[name]?.[0];
  const query: AppLogQuery = { follow: first('follow') === 'true' };
  const lines = first('lines');
  if (lines !== undefined && lines !== '') {
    if (!/^\d{1,6}$/.test(lines) || Number(lines) > LOG_MAX_LINES) throw validationError('lines', `must be an integer between 0 and ${LOG_MAX_LINES}`);
    query.lines = Number(lines);
  }
  const jobId = first('job_id');
  if (jobId !== undefined && jobId !== '') {
    if (jobId.length > 255 || jobId.includes('\u0000')) throw validationError('job_id', 'must be a job id');
    query.jobId = jobId;
  }
  const types = params.process_type;
  if (types !== undefined && types.length > 0) {
    if (types.some((t) => t.length > 255 || t.includes('\u0000'))) throw validationError('process_type', 'must be a process type');
    query.processTypes = [...new Set(types)];
  }
  const streams = first('stream_types');
  if (streams !== undefined && streams !== '') {
    const list = streams.split(',').map((s) => s.trim());
    for (const s of list) {
      if (!(LOG_STREAM_TYPES as readonly string[]).includes(s)) throw validationError('stream_types', `has an unknown stream type ${JSON.stringify(s)} (use ${LOG_STREAM_TYPES.slice(0, 3).join(', ')})`);
    }
    query.streamTypes = [...new Set(list)];
  }
  return query;
}

/** The aggregator's query string for a parsed query. */
export function aggregatorLogQuery(q: AppLogQuery): string {
  const out = new URLSearchParams();
  if (q.follow) out.set('follow', 'true');
  if (q.lines !== undefined) out.set('lines', String(q.lines));
  if (q.jobId !== undefined) out.set('job_id', q.jobId);
  for (const t of q.processTypes ?? []) out.append('process_type', t);
  if (q.streamTypes !== undefined) out.set('stream_types', q.streamTypes.join(','));
  return out.toString();
}
