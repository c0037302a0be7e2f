/**
 * The part of the flynn-host API (reference §2.2) the controller uses, over
 * HTTP: ping, `PUT /host/jobs/:id`, `DELETE /host/jobs/:id`, `GET
 * /host/jobs/:id` and its event stream. The default host client when the
 * controller finds hosts in discovery by itself; @flynn-ts/host's
 * `HostClient` does the same and more, and can be passed instead.
 */
import { FlynnError, HttpError } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { joinUrl, JsonClient, sseStream } from '@flynn-ts/core/http';
import type { JsonClientOptions } from '@flynn-ts/core/http';
import { notFound } from '../errors.js';
import type { HostActiveJob, HostJob, HostJobEvent, JobRunner, JobWatcher } from '../host-client.js';

export interface HttpHostClientOptions {
  /** The host API's base URL, e.g. `http://10.0.0.1:1113`. */
  url: string;
  /** Per-request deadline. Default 10 000 ms. */
  timeoutMs?: number;
  /** Retries of retryable failures. Default 1. */
  retries?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

const enc = encodeURIComponent;

export class HttpHostClient implements JobRunner, JobWatcher {
  readonly url: string;
  private readonly json: JsonClient;

  constructor(private readonly options: HttpHostClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    const jsonOptions: JsonClientOptions = { urls: [this.url], retries: options.retries ?? 1 };
    if (options.timeoutMs !== undefined) jsonOptions.timeoutMs = options.timeoutMs;
    if (options.clock) jsonOptions.clock = options.clock;
    if (options.random) jsonOptions.random = options.random;
    if (options.logger) jsonOptions.logger = options.logger;
    this.json = new JsonClient(jsonOptions);
  }

  async ping(signal?: AbortSignal): Promise<void> {
    await this.json.get('/ping', signal ? { signal } : {});
  }

  /** Not re-sent after a broken connection (that could start the job twice). */
  async addJob(job: HostJob): Promise<void> {
    await this.json.put(`/host/jobs/${enc(job.id)}`, job, { idempotent: false });
  }

  async stopJob(jobId: string): Promise<void> {
    try {
      await this.json.delete(`/host/jobs/${enc(jobId)}`);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) throw notFound('job');
      throw err;
    }
  }

  async getJob(jobId: string): Promise<HostActiveJob> {
    return (await this.json.get<HostActiveJob>(`/host/jobs/${enc(jobId)}`)) ?? {};
  }

  /** The job's events (reconnecting; events while disconnected are missed: the host keeps no history). */
  async *streamEvents(jobId: string, options: { signal?: AbortSignal; onOpen?: () => void } = {}): AsyncGenerator<HostJobEvent> {
    const stream = sseStream(joinUrl(this.url, `/host/jobs/${enc(jobId)}`), {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onOpen ? { onOpen: () => options.onOpen!() } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    try {
      for await (const message of stream) {
        if (message.event !== 'message' || message.data === '') continue;
        let event: HostJobEvent;
        try {
          event = JSON.parse(message.data) as HostJobEvent;
        } catch (err) {
          throw new FlynnError('FLYNN_CONTROLLER_HOST_BAD_EVENT', `host ${this.url}: an event is not JSON`, { cause: err });
        }
        yield event;
      }
    } finally {
      stream.close();
    }
  }

  close(): Promise<void> {
    return this.json.close();
  }
}
