/**
 * `flynn log` without I/O: the query of `GET /apps/:id/log` (reference
 * §5.3, the original's LogOpts.EncodedQuery), splitting the newline-delimited
 * JSON body into messages, and the original's line format:
 *
 *   2015-05-06T21:58:12.751741Z app[web.flynn-3f656af6]: listening on 8080
 */

export type LogStream = 'stdout' | 'stderr' | 'init';

export interface LogMessage {
  host_id?: string;
  job_id?: string;
  msg: string;
  process_type?: string;
  source?: string;
  stream?: LogStream | (string & {});
  timestamp?: string;
}

export interface LogQueryOptions {
  follow?: boolean;
  jobId?: string;
  lines?: number;
  processType?: string;
  /** Default stdout and stderr. */
  streamTypes?: readonly LogStream[];
}

/** Query parameters, in the original's names. */
export function logQuery(o: LogQueryOptions): Record<string, string> {
  const q: Record<string, string> = {};
  if (o.follow) q.follow = 'true';
  if (o.jobId) q.job_id = o.jobId;
  if (o.lines !== undefined && o.lines >= 0) q.lines = String(o.lines);
  if (o.processType !== undefined) q.process_type = o.processType;
  q.stream_types = (o.streamTypes && o.streamTypes.length > 0 ? o.streamTypes : ['stdout', 'stderr']).join(',');
  return q;
}

/** RFC 3339 with exactly six fraction digits, in the stamp's own offset (Go's `rfc3339micro`). */
export function formatLogTimestamp(ts: string | undefined): string {
  if (!ts) return '';
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${`${m[2] ?? ''}000000`.slice(0, 6)}${m[3]}`;
}

/** One output line (without the newline). */
export function formatLogLine(m: LogMessage, raw = false): string {
  if (raw) return m.msg;
  return `${formatLogTimestamp(m.timestamp)} ${m.source ?? 'app'}[${m.process_type ?? ''}.${m.job_id ?? ''}]: ${m.msg}`;
}

/** Splits a byte stream's text into lines (without `\n` / `\r\n`); keeps a partial last line until more comes. */
export class LineSplitter {
  private rest = '';

  push(text: string): string[] {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The unterminated last line, if any. */
  flush(): string[] {
    const rest = this.rest;
    this.rest = '';
    return rest === '' ? [] : [rest];
  }
}

/** A message from one NDJSON line; undefined for blank lines and lines that are not a log message. */
export function parseLogLine(line: string): LogMessage | undefined {
  if (line.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || typeof (v as LogMessage).msg !== 'string') return undefined;
  return v as LogMessage;
}
