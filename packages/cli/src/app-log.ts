/**
 * `GET /apps/:id/log` (reference §5.3): newline-delimited JSON log messages,
 * live while `follow` is set. A thin call the ControllerClient does not have
 * yet, on the connection's pinned agent.
 */
import { httpErrorFrom, joinUrl } from '@flynn-ts/core/http';
import { request } from 'undici';
import type { ClusterConnection } from './connection.js';
import { LineSplitter, logQuery, parseLogLine } from './core/log-line.js';
import type { LogMessage, LogQueryOptions } from './core/log-line.js';

export async function* streamAppLog(conn: ClusterConnection, app: string, options: LogQueryOptions, signal?: AbortSignal): AsyncGenerator<LogMessage> {
  const url = joinUrl(conn.url, `/apps/${encodeURIComponent(app)}/log`, logQuery(options));
  const res = await request(url, {
    method: 'GET',
    dispatcher: conn.dispatcher,
    headers: { authorization: conn.authorization, accept: 'application/json' },
    ...(signal ? { signal } : {}),
  });
  if (res.statusCode < 200 || res.statusCode >= 300) {
    const text = await res.body.text().catch(() => '');
    throw httpErrorFrom(res.statusCode, text, url);
  }
  const decoder = new TextDecoder();
  const lines = new LineSplitter();
  try {
    for await (const chunk of res.body) {
      for (const line of lines.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
        const m = parseLogLine(line);
        if (m) yield m;
      }
    }
    for (const line of lines.push(decoder.decode())) {
      const m = parseLogLine(line);
      if (m) yield m;
    }
    for (const line of lines.flush()) {
      const m = parseLogLine(line);
      if (m) yield m;
    }
  } finally {
    res.body.destroy();
  }
}
