/**
 * `GET /host/jobs/:id/log`: a job's log lines as newline-delimited JSON
 * (`application/x-ndjson`, one {@link JobLogEntry} per line; the default) or
 * as plain text (`?format=text`, the messages only). `?lines=N` starts with
 * the last N lines; `?follow=true` keeps the response open for new lines
 * until the client goes.
 */
import type { LogLine } from '../contracts.js';
import { rfc3339 } from '../job/core/job-state.js';

/** One line of the NDJSON log response. */
export interface JobLogEntry {
  time: string;
  stream: 'stdout' | 'stderr' | 'init';
  message: string;
  job_id: string;
  app_id: string;
  process_type?: string;
}

export function toLogEntry(line: LogLine): JobLogEntry {
  const entry: JobLogEntry = { time: rfc3339(line.time), stream: line.stream, message: line.message, job_id: line.jobId, app_id: line.appId };
  if (line.processType !== undefined) entry.process_type = line.processType;
  return entry;
}

const encoder = new TextEncoder();

/**
 * A streaming response over `lines`, which must end when `ctl` aborts; `ctl`
 * aborts when the client disconnects or `closing` aborts (server shutdown).
 */
export function logResponse(lines: AsyncIterable<LogLine>, ctl: AbortController, format: 'json' | 'text', closing?: AbortSignal): Response {
  const onClosing = () => ctl.abort();
  closing?.addEventListener('abort', onClosing, { once: true });
  if (closing?.aborted) ctl.abort();
  const it = lines[Symbol.asyncIterator]();
  const finish = () => {
    closing?.removeEventListener('abort', onClosing);
    if (!ctl.signal.aborted) ctl.abort();
  };
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const r = await it.next();
        if (r.done || ctl.signal.aborted) {
          finish();
          controller.close();
          return;
        }
        const text = format === 'text' ? `${r.value.message}\n` : `${JSON.stringify(toLogEntry(r.value))}\n`;
        controller.enqueue(encoder.encode(text));
      } catch (err) {
        finish();
        controller.error(err);
      }
    },
    cancel: () => {
      finish();
      void Promise.resolve(it.return?.()).catch(() => {});
    },
  });
  const type = format === 'text' ? 'text/plain; charset=utf-8' : 'application/x-ndjson';
  return new Response(body, { status: 200, headers: { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } });
}
