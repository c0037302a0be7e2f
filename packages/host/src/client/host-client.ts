/**
 * A typed client of one flynn-host's HTTP API (reference §2.2), on the shared
 * JsonClient (undici, JSON error bodies decoded into HttpErrors with the
 * original's codes: `object_not_found` 404, `conflict` 409, `ratelimited` 429
 * with `retry: true`, which the client retries with backoff). Job events
 * stream as an async iterator, logs as one, and `attach` opens a
 * `flynn-attach/0` session.
 */
import { FlynnError } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { JsonClientOptions } from '@flynn-ts/core/http';
import { httpErrorFrom, joinUrl, JsonClient, sseStream } from '@flynn-ts/core/http';
import type { JobLogEntry } from '../api/log-response.js';
import type { ActiveJob, HostDiscoverd, HostEvent, HostNetwork, HostStatus, Job, ResourceCheck } from '../types.js';
import type { CreateVolumeInput, VolumeInfo } from '../volume/volume-manager.js';
import type { AttachOptions, AttachSession } from './attach-client.js';
import { attachToJob } from './attach-client.js';
import { normalizeActiveJob, normalizeEvent } from './normalize.js';

export interface HostClientOptions {
  /** The host's base URL, e.g. `http://10.0.0.1:1113`. */
  url: string;
  /** The host id, when known (informational). */
  id?: string;
  /** Per-request deadline. Default 10 000 ms. */
  timeoutMs?: number;
  /** Retries of retryable failures (connection refused, 429, 503). Default 2. */
  retries?: number;
  headers?: Record<string, string>;
  dispatcher?: JsonClientOptions['dispatcher'];
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

/** A live event stream; iterate once, `break` or `close()` to end it. */
export interface HostEventStream extends AsyncIterable<HostEvent> {
  close(): void;
}

export interface JobLogOptions {
  /** Start with the last N lines (default: all kept lines). */
  lines?: number;
  /** Keep streaming new lines until aborted. */
  follow?: boolean;
  signal?: AbortSignal;
}

const enc = encodeURIComponent;

export class HostClient {
  readonly url: string;
  readonly id: string | undefined;
  private readonly json: JsonClient;

  constructor(private readonly options: HostClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.id = options.id;
    const jsonOptions: JsonClientOptions = { urls: [this.url] };
    if (options.timeoutMs !== undefined) jsonOptions.timeoutMs = options.timeoutMs;
    if (options.retries !== undefined) jsonOptions.retries = options.retries;
    if (options.headers) jsonOptions.headers = options.headers;
    if (options.dispatcher) jsonOptions.dispatcher = options.dispatcher;
    if (options.clock) jsonOptions.clock = options.clock;
    if (options.random) jsonOptions.random = options.random;
    if (options.logger) jsonOptions.logger = options.logger;
    this.json = new JsonClient(jsonOptions);
  }

  /** `GET /ping`: resolves when the host answers. */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.json.get('/ping', signal ? { signal } : {});
  }

  status(): Promise<HostStatus> {
    return this.json.get<HostStatus>('/host/status');
  }

  /** Every job the host knows (finished ones included), by id. */
  async listJobs(options: { active?: boolean } = {}): Promise<Record<string, ActiveJob>> {
    const jobs = await this.json.get<Record<string, ActiveJob>>('/host/jobs', options.active ? { query: { active: 'true' } } : {});
    return Object.fromEntries(Object.entries(jobs ?? {}).map(([id, j]) => [id, normalizeActiveJob(j)]));
  }

  /** Starting and running jobs, by id. */
  listActiveJobs(): Promise<Record<string, ActiveJob>> {
    return this.listJobs({ active: true });
  }

  /** Throws an HttpError `object_not_found` (404) for an unknown job. */
  async getJob(id: string): Promise<ActiveJob> {
    return normalizeActiveJob(await this.json.get<ActiveJob>(`/host/jobs/${enc(id)}`));
  }

  /**
   * Starts a job (the host answers at once; watch events or poll for the
   * status). 429s are retried. When the connection broke (or timed out)
   * after the request went out, the host may or may not have the job: the
   * client then looks it up and sends it again only when the host does not
   * have it (job ids are the caller's, so a job with that id is this one), so
   * a job is never started twice. A 409 otherwise means the id is taken.
   */
  async addJob(job: Job): Promise<void> {
    const path = `/host/jobs/${enc(job.id)}`;
    try {
      await this.json.put(path, job, { idempotent: false });
    } catch (err) {
      if (!outcomeUnknown(err)) throw err;
      const known = await this.hasJob(job.id).catch(() => undefined);
      if (known === undefined) throw err; // the host is not reachable: the first error says why
      if (known) return;
      try {
        await this.json.put(path, job, { idempotent: false });
      } catch (again) {
        // The first request was still being handled when we looked: it is there now.
        if (FlynnError.is(again) && again.status === 409 && (await this.hasJob(job.id))) return;
        throw again;
      }
    }
  }

  /** Whether the host knows the job (a 404 is false; other failures throw). */
  private async hasJob(id: string): Promise<boolean> {
    try {
      await this.json.get(`/host/jobs/${enc(id)}`);
      return true;
    } catch (err) {
      if (FlynnError.is(err) && err.status === 404) return false;
      throw err;
    }
  }

  /** SIGTERM, SIGKILL after the host's grace period. */
  async stopJob(id: string): Promise<void> {
    await this.json.delete(`/host/jobs/${enc(id)}`);
  }

  async signalJob(id: string, signal: number): Promise<void> {
    await this.json.put(`/host/jobs/${enc(id)}/signal/${signal}`);
  }

  async discoverdDeregisterJob(id: string): Promise<void> {
    await this.json.put(`/host/jobs/${enc(id)}/discoverd-deregister`);
  }

  /**
   * Job events (`create`, `start`, `stop`, `error`, `cleanup`) of one job, or
   * of every job when `id` is omitted or `all`. Reconnects after a broken
   * connection (events in between are missed: the host keeps no history).
   * `onOpen` is called when a connection is established (the host then
   * delivers every later event); nothing connects until iteration starts.
   */
  streamEvents(id?: string, options: { signal?: AbortSignal; onOpen?: () => void } = {}): HostEventStream {
    const path = id === undefined || id === 'all' ? '/host/jobs' : `/host/jobs/${enc(id)}`;
    const stream = sseStream(joinUrl(this.url, path), {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onOpen ? { onOpen: () => options.onOpen!() } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      ...(this.options.headers ? { headers: this.options.headers } : {}),
    });
    return {
      close: () => stream.close(),
      async *[Symbol.asyncIterator]() {
        for await (const message of stream) {
          if (message.event !== 'message' || message.data === '') continue;
          yield normalizeEvent(JSON.parse(message.data) as HostEvent);
        }
      },
    };
  }

  /** A job's log lines (`GET /host/jobs/:id/log`, NDJSON). */
  async *jobLog(id: string, options: JobLogOptions = {}): AsyncGenerator<JobLogEntry> {
    const url = joinUrl(this.url, `/host/jobs/${enc(id)}/log`, { lines: options.lines, follow: options.follow ? 'true' : undefined });
    const res = await fetch(url, { headers: { Accept: 'application/x-ndjson', ...(this.options.headers ?? {}) }, ...(options.signal ? { signal: options.signal } : {}) });
    if (!res.ok || !res.body) throw httpErrorFrom(res.status, await res.text(), url);
    const decoder = new TextDecoder();
    let buf = '';
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() !== '') yield JSON.parse(line) as JobLogEntry;
        }
      }
      if (buf.trim() !== '') yield JSON.parse(buf) as JobLogEntry;
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  /** Opens a `flynn-attach/0` session (see {@link AttachOptions}). */
  attach(options: AttachOptions): Promise<AttachSession> {
    return attachToJob(this.url, options);
  }

  async configureDiscoverd(config: HostDiscoverd): Promise<void> {
    await this.json.post('/host/discoverd', config);
  }

  async configureNetwork(config: HostNetwork): Promise<void> {
    await this.json.post('/host/network', config);
  }

  /** Replaces the host's tags (an empty value deletes a tag). */
  async updateTags(tags: Record<string, string>): Promise<void> {
    await this.json.post('/host/tags', tags);
  }

  /** Resolves when every port is free; throws an HttpError `conflict` (409) with `detail.ports` otherwise. */
  async resourceCheck(request: ResourceCheck): Promise<void> {
    await this.json.post('/host/resource-check', request);
  }

  createVolume(info: CreateVolumeInput = {}, provider = 'default'): Promise<VolumeInfo> {
    return this.json.post<VolumeInfo>(`/storage/providers/${enc(provider)}/volumes`, info);
  }

  async listVolumes(): Promise<VolumeInfo[]> {
    return (await this.json.get<VolumeInfo[]>('/storage/volumes')) ?? [];
  }

  getVolume(id: string): Promise<VolumeInfo> {
    return this.json.get<VolumeInfo>(`/storage/volumes/${enc(id)}`);
  }

  async destroyVolume(id: string): Promise<void> {
    await this.json.delete(`/storage/volumes/${enc(id)}`);
  }

  /** Closes the client's connection pool. */
  close(): Promise<void> {
    return this.json.close();
  }
}

/** A request that may have reached the host though no answer came: a broken connection or a timeout. */
function outcomeUnknown(err: unknown): boolean {
  return FlynnError.is(err) && (err.code === 'FLYNN_HTTP_CONNECTION' || err.code === 'FLYNN_CORE_TIMEOUT');
}
