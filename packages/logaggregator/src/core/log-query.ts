/**
 * What `GET /log/:app_id` asks for (reference §10) and which entries match.
 *
 * - `follow=true`: keep the response open and send new lines as they come.
 * - `lines=N` (0–10000): without follow, the last N matching lines (0 or
 *   absent: all of them); with follow, the last N before the live ones (0 or
 *   absent: live lines only). The original's semantics.
 * - `job_id`: only that job's lines.
 * - `process_type` (may repeat): only lines of these types; an empty value
 *   stands for "no type" (lines whose PROCID is a bare job id). The original
 *   took the last value only; any of the given values matches here.
 * - `stream_types`: comma-separated `stdout`, `stderr`, `init`, `unknown`;
 *   absent or empty: every stream.
 */
import { ValidationError } from '@flynn-ts/core';
import type { LogEntry, StreamType } from './log-entry.js';
import { STREAM_TYPES } from './log-entry.js';

export const MAX_LINES = 10_000;

export interface LogFilter {
  jobId?: string;
  /** Any of these; '' matches lines without a type. */
  processTypes?: readonly string[];
  streamTypes?: readonly StreamType[];
}

export interface LogQuery {
  follow: boolean;
  lines?: number;
  filter: LogFilter;
}

/** Whether an entry passes every part of the filter. */
export function matchesFilter(filter: LogFilter, e: LogEntry): boolean {
  if (filter.jobId !== undefined && e.jobId !== filter.jobId) return false;
  if (filter.processTypes !== undefined && !filter.processTypes.includes(e.processType)) return false;
  if (filter.streamTypes !== undefined && !filter.streamTypes.includes(e.stream)) return false;
  return true;
}

/** A predicate for the filter, or undefined when it lets everything through. */
export function filterPredicate(filter: LogFilter): ((e: LogEntry) => boolean) | undefined {
  if (filter.jobId === undefined && filter.processTypes === undefined && filter.streamTypes === undefined) return undefined;
  return (e) => matchesFilter(filter, e);
}

/**
 * Parses the query of `GET /log/:app_id` from `name → values` (every value
 * of a repeated parameter). Throws ValidationError (400) for a bad `lines`
 * or an unknown stream type.
 */
export function parseLogQuery(params: Readonly<Record<string, readonly string[] | undefined>>): LogQuery {
  const first = (name: string) => params[name]?.[0];
  const query: LogQuery = { follow: first('follow') === 'true', filter: {} };
  const lines = first('lines');
  if (lines !== undefined && lines !== '') {
    if (!/^\d{1,6}$/.test(lines) || Number(lines) > MAX_LINES) {
      throw new ValidationError('lines', `lines must be an integer between 0 and ${MAX_LINES}`, { code: 'FLYNN_LOGAGGREGATOR_INVALID_QUERY' });
    }
    query.lines = Number(lines);
  }
  const jobId = first('job_id');
  if (jobId !== undefined && jobId !== '') query.filter.jobId = jobId;
  const types = params.process_type;
  if (types !== undefined && types.length > 0) query.filter.processTypes = [...new Set(types)];
  const streams = first('stream_types');
  if (streams !== undefined && streams !== '') {
    const list = streams.split(',').map((s) => s.trim());
    for (const s of list) {
      if (!(STREAM_TYPES as readonly string[]).includes(s)) {
        throw new ValidationError('stream_types', `unknown stream type ${JSON.stringify(s)}: use ${STREAM_TYPES.join(', ')}`, { code: 'FLYNN_LOGAGGREGATOR_INVALID_QUERY' });
      }
    }
    query.filter.streamTypes = [...new Set(list as StreamType[])];
  }
  return query;
}

/** The query string for a LogQuery (what the client sends); inverse of parseLogQuery. */
export function encodeLogQuery(query: Partial<LogQuery>): URLSearchParams {
  const out = new URLSearchParams();
  if (query.follow) out.set('follow', 'true');
  if (query.lines !== undefined) out.set('lines', String(query.lines));
  const f = query.filter ?? {};
  if (f.jobId !== undefined) out.set('job_id', f.jobId);
  for (const t of f.processTypes ?? []) out.append('process_type', t);
  if (f.streamTypes !== undefined && f.streamTypes.length > 0) out.set('stream_types', f.streamTypes.join(','));
  return out;
}
