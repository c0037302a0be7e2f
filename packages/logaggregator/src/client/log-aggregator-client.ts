/**
 * A client for the log aggregator's HTTP API (undici), for the controller's
 * `GET /apps/:id/log`, the CLI and peer refill.
 *
 * ```ts
 * const logs = new LogAggregatorClient({ url: 'http://logaggregator.discoverd' });
 * for await (const m of logs.read(appId, { lines: 100, follow: true, signal })) console.log(m.msg);
 * ```
 *
 * `read` streams: lines are yielded as they arrive, nothing is buffered
 * beyond one network chunk. Several base URLs may be given (one per
 * aggregator instance): a request that cannot connect goes to the next one.
 */
import { FlynnError } from '@flynn-ts/core';
import { httpErrorFrom, HttpConnectionError, joinUrl } from '@flynn-ts/core/http';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { LogEntry, LogMessage, StreamType } from '../core/log-entry.js';
import { encodeLogQuery } from '../core/log-query.js';
import type { LogFilter } from '../core/log-query.js';
import type { CursorMap } from '../core/log-store.js';
import { SnapshotDecoder } from '../core/snapshot-codec.js';

export const LOG_BAD_RESPONSE = 'FLYNN_LOGAGGREGATOR_BAD_RESPONSE';

export interface LogAggregatorClientOptions {
  /** Base URL(s) of the API. Default `http://logaggregator.discoverd` (the original's). */
  url?: string | readonly string[];
  /** Default: an Agent owned (and closed) by this client. */
  dispatcher?: Dispatcher;
  /** Connect and response-headers timeout in ms. Default 10 000. */
  timeoutMs?: number;
}

export interface ReadLogOptions {
  /** Keep streaming new lines until `signal` aborts. */
  follow?: boolean;
  /** The last N lines (0–10000); without follow, undefined or 0 means all. */
  lines?: number;
  jobId?: string;
  /** Only these process types ('' = lines without a type). */
  processTypes?: readonly string[];
  /** Default `['stdout', 'stderr']`, as the original client (init lines are opt-in). */
  streamTypes?: readonly StreamType[];
  signal?: AbortSignal;
}

export class LogAggregatorClient {
  private readonly urls: readonly string[];
  private readonly dispatcher: Dispatcher;
  private readonly owned: Agent | undefined;

  constructor(options: LogAggregatorClientOptions = {}) {
    const url = options.url ?? 'http://logaggregator.discoverd';
    this.urls = typeof url === 'string' ? [url] : url;
    if (this.urls.length === 0) throw new FlynnError('FLYNN_LOGAGGREGATOR_NO_URLS', 'LogAggregatorClient: no URLs', { apiCode: 'validation_error' });
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.owned = options.dispatcher ? undefined : new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: 0 });
    this.dispatcher = options.dispatcher ?? this.owned!;
  }

  /** The app's log lines as they come (see ReadLogOptions); ends when the server ends the response. */
  async *read(appId: string, options: ReadLogOptions = {}): AsyncGenerator<LogMessage> {
    const filter: LogFilter = { streamTypes: options.streamTypes ?? ['stdout', 'stderr'] };
    if (options.jobId !== undefined) filter.jobId = options.jobId;
    if (options.processTypes !== undefined) filter.processTypes = options.processTypes;
    const query = encodeLogQuery({ follow: options.follow ?? false, ...(options.lines !== undefined ? { lines: options.lines } : {}), filter });
    const res = await this.get(`/log/${encodeURIComponent(appId)}?${query.toString()}`, options.signal);
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of res.body) {
        rest += decoder.decode(chunk as Buffer, { stream: true });
        let start = 0;
        for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n', start)) {
          const line = rest.slice(start, nl);
          start = nl + 1;
          if (line.trim() !== '') yield parseLine(line);
        }
        rest = rest.slice(start);
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    } finally {
      res.body.destroy();
    }
    rest += decoder.decode();
    if (rest.trim() !== '') yield parseLine(rest);
  }

  /** `GET /cursors`. */
  async cursors(signal?: AbortSignal): Promise<CursorMap> {
    const res = await this.get('/cursors', signal);
    return (await res.body.json()) as CursorMap;
  }

  /** `GET /snapshot`, decoded: every line the aggregator holds. Throws SnapshotError on a bad or cut-off body. */
  async *snapshot(signal?: AbortSignal): AsyncGenerator<LogEntry[]> {
    const res = await this.get('/snapshot', signal);
    const decoder = new SnapshotDecoder();
    try {
      for await (const chunk of res.body) {
        const entries = decoder.push(chunk as Buffer);
        if (entries.length > 0) yield entries;
      }
      decoder.end();
    } finally {
      res.body.destroy();
    }
  }

  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.get('/ping', signal);
    await res.body.dump();
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  /** A 200 response from the first URL that connects; other statuses become HttpErrors. */
  private async get(path: string, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    let lastError: unknown;
    for (const base of this.urls) {
      const url = joinUrl(base, path);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: 'GET', dispatcher: this.dispatcher, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        lastError = new HttpConnectionError(url, err);
        continue;
      }
      if (res.statusCode !== 200) throw httpErrorFrom(res.statusCode, await res.body.text(), url);
      return res;
    }
    throw lastError;
  }
}

function parseLine(line: string): LogMessage {
  try {
    return JSON.parse(line) as LogMessage;
  } catch (err) {
    throw new FlynnError(LOG_BAD_RESPONSE, `logaggregator: a log line is not JSON: ${line.slice(0, 100)}`, { apiCode: 'unknown_error', cause: err });
  }
}
