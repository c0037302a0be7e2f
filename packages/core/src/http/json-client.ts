/**
 * A JSON HTTP client for control-plane APIs, on undici.
 *
 * It keeps a "current" base URL out of a list and fails over to the next one on
 * connection-level failures; retries with backoff only when that is safe (an
 * idempotent method, an error body saying `retry: true`, or a connection that
 * was refused so the request never left); follows 307/308 redirects (discoverd
 * answers writes on a follower with a 307 to the leader); and turns non-2xx
 * answers into {@link HttpError}s decoded from the shared JSON error body.
 */
import { Agent, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import { AbortedError, linkSignals, TimeoutError } from '../abort.js';
import type { BackoffOptions } from '../backoff.js';
import { backoffDelay } from '../backoff.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { channels, publish } from '../diagnostics.js';
import { apiCodeForStatus, FlynnError, HttpError, isErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import { noopLogger } from '../logger.js';
import type { Random } from '../random.js';
import { cryptoRandom } from '../random.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean;
export type Query = Record<string, QueryValue | readonly QueryValue[] | undefined>;

export interface JsonClientOptions {
  /** Base URLs (e.g. `http://10.0.0.1:1111`), or a function read before every request. */
  urls: readonly string[] | (() => readonly string[]);
  /** Per-attempt deadline in ms, covering connect, headers, body and redirect hops. Default 10 000. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** undici dispatcher to use. Default: an Agent owned (and closed by `close()`) by this client. */
  dispatcher?: Dispatcher;
  /** Extra attempts with backoff after the first pass over untried URLs. Default 2. */
  retries?: number;
  /** Backoff between retries. Default `{ initialMs: 100, maxMs: 2000 }`. */
  backoff?: BackoffOptions;
  /** 307/308 hops to follow per attempt. Default 3. */
  maxRedirects?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface JsonRequestOptions {
  /** Encoded as JSON with `Content-Type: application/json`. */
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Whether re-sending is safe. Default true for GET, HEAD, PUT and DELETE. */
  idempotent?: boolean;
  /** Statuses that count as success. Default any 2xx. */
  expectStatus?: number | readonly number[];
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
}

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  /** The decoded JSON body; `undefined` for 204 or an empty body. */
  data: T;
  /** The URL that finally answered (after redirects). */
  url: string;
}

/** No base URL could be reached (refused, reset, closed socket). `retry` is true. */
export class HttpConnectionError extends FlynnError {
  readonly url: string;
  constructor(url: string, cause: unknown) {
    const errno = errorCode(cause) ?? 'unknown';
    super('FLYNN_HTTP_CONNECTION', `request to ${url} failed: ${errno}`, {
      apiCode: 'service_unavailable',
      retry: true,
      detail: { url, errno },
      cause,
    });
    this.name = 'HttpConnectionError';
    this.url = url;
  }
}

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Statuses an idempotent request is retried on even without `retry: true`. */
const GATEWAY: ReadonlySet<number> = new Set([502, 503, 504]);
/** Failures where the request never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** Failures where it may have reached the server but the connection broke. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type Failure =
  | { kind: 'connection'; sent: boolean; error: FlynnError }
  | { kind: 'http'; error: FlynnError }
  | { kind: 'fatal'; error: unknown };

export class JsonClient {
  private urlSource: readonly string[] | (() => readonly string[]);
  private current: string | undefined;
  private readonly ownedAgent: Agent | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxRedirects: number;
  private readonly backoff: BackoffOptions;
  private readonly headers: Record<string, string>;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;

  constructor(options: JsonClientOptions) {
    this.urlSource = options.urls;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    this.maxRedirects = options.maxRedirects ?? 3;
    this.backoff = options.backoff ?? { initialMs: 100, maxMs: 2_000 };
    this.headers = options.headers ?? {};
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = options.logger ?? noopLogger;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
    } else {
      this.ownedAgent = new Agent({ connect: { timeout: this.timeoutMs }, keepAliveTimeout: 4_000 });
      this.dispatcher = this.ownedAgent;
    }
  }

  /** Replaces the base URLs. The current URL is kept if it is still listed. */
  setUrls(urls: readonly string[] | (() => readonly string[])): void {
    this.urlSource = urls;
  }

  /** The base URL the next request goes to first. */
  get currentUrl(): string | undefined {
    const urls = this.urls();
    return this.current !== undefined && urls.includes(this.current) ? this.current : urls[0];
  }

  get<T = unknown>(path: string, options?: JsonRequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, body?: unknown, options?: JsonRequestOptions): Promise<T> {
    return this.request<T>('POST', path, withBody(options, body));
  }
  put<T = unknown>(path: string, body?: unknown, options?: JsonRequestOptions): Promise<T> {
    return this.request<T>('PUT', path, withBody(options, body));
  }
  patch<T = unknown>(path: string, body?: unknown, options?: JsonRequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, withBody(options, body));
  }
  delete<T = unknown>(path: string, options?: JsonRequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /** Sends a request and resolves with the decoded body. */
  async request<T = unknown>(method: HttpMethod, path: string, options: JsonRequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, options)).data;
  }

  /**
   * Like {@link request}, and also gives the status, headers and final URL.
   * Throws {@link HttpError} (non-accepted status), {@link HttpConnectionError},
   * {@link TimeoutError}, or the caller's abort reason.
   */
  async send<T = unknown>(method: HttpMethod, path: string, options: JsonRequestOptions = {}): Promise<JsonResponse<T>> {
    const idempotent = options.idempotent ?? IDEMPOTENT.has(method);
    const tried = new Set<string>();
    let retriesUsed = 0;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      const base = this.pickUrl();
      tried.add(base);
      let failure: Failure;
      try {
        return await this.attempt<T>(method, base, path, options);
      } catch (err) {
        failure = classify(err, options.signal);
      }
      if (failure.kind === 'fatal') throw failure.error;
      const retryable = failure.kind === 'connection' ? idempotent || !failure.sent : failure.error.retry || (idempotent && GATEWAY.has(failure.error.status));
      if (!retryable) throw failure.error;
      const next = failure.kind === 'connection' ? this.failover(base, method, path, failure.error) : base;
      const free = next !== base && !tried.has(next);
      if (!free && retriesUsed >= this.retries) throw failure.error;
      const delayMs = free ? 0 : backoffDelay(retriesUsed++, this.random, this.backoff);
      publish(channels.httpClientRetry, { method, path, url: next, attempt: attempt + 1, delayMs, error: failure.error });
      this.logger.debug({ method, path, url: next, attempt: attempt + 1, delayMs, code: failure.error.code }, 'http client retry');
      if (delayMs > 0) await this.clock.sleep(delayMs, options.signal);
    }
  }

  /** Closes the Agent this client created (not a dispatcher passed in). */
  async close(): Promise<void> {
    await this.ownedAgent?.close();
  }

  private urls(): readonly string[] {
    return typeof this.urlSource === 'function' ? this.urlSource() : this.urlSource;
  }

  private pickUrl(): string {
    const url = this.currentUrl;
    if (url === undefined) {
      throw new FlynnError('FLYNN_HTTP_NO_URLS', 'no base URLs configured', { apiCode: 'service_unavailable', retry: true });
    }
    this.current = url;
    return url;
  }

  /** Moves "current" past `failed`; returns the URL now current. */
  private failover(failed: string, method: string, path: string, error: FlynnError): string {
    const urls = this.urls();
    const i = urls.indexOf(failed);
    const next = urls[(i + 1) % urls.length] ?? failed;
    if (next !== failed) {
      this.current = next;
      publish(channels.httpClientFailover, { from: failed, to: next, method, path, error });
      this.logger.warn({ from: failed, to: next, method, path, code: error.code, detail: error.detail }, 'http client failover');
    }
    return next;
  }

  /** One attempt against one base URL, following redirects, under one deadline. */
  private async attempt<T>(method: HttpMethod, base: string, path: string, options: JsonRequestOptions): Promise<JsonResponse<T>> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const linked = linkSignals([options.signal], { timeoutMs, clock: this.clock, what: `${method} ${path}` });
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers = this.requestHeaders(options, body !== undefined);
    let url = joinUrl(base, path, options.query);
    try {
      for (let hops = 0; ; hops++) {
        let res: Dispatcher.ResponseData;
        try {
          res = await undiciRequest(url, { method, headers, body: body ?? null, signal: linked.signal, dispatcher: this.dispatcher });
        } catch (err) {
          throw linked.signal.aborted ? linked.signal.reason : wrapConnectionError(url, err);
        }
        const location = header(res.headers, 'location');
        if ((res.statusCode === 307 || res.statusCode === 308) && location !== undefined && hops < this.maxRedirects) {
          await res.body.dump();
          const target = new URL(location, url).toString();
          if (!this.isKnownOrigin(target, url)) headers = stripCredentials(headers);
          url = target;
          continue;
        }
        return await decodeResponse<T>(res, url, options.expectStatus);
      }
    } catch (err) {
      throw linked.signal.aborted ? linked.signal.reason : err;
    } finally {
      linked.dispose();
    }
  }

  private requestHeaders(options: JsonRequestOptions, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (hasBody) headers['content-type'] = 'application/json';
    for (const [k, v] of Object.entries(this.headers)) headers[k.toLowerCase()] = v;
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    return headers;
  }

  /** Credentials follow a redirect only within the same origin or to one of our base URLs. */
  private isKnownOrigin(target: string, from: string): boolean {
    const origin = new URL(target).origin;
    return origin === new URL(from).origin || this.urls().some((u) => safeOrigin(u) === origin);
  }
}

function withBody(options: JsonRequestOptions | undefined, body: unknown): JsonRequestOptions {
  return body === undefined ? { ...options } : { ...options, body };
}

/** Joins a base URL (which may carry a path prefix) with a path and query. */
export function joinUrl(base: string, path: string, query?: Query): string {
  const url = base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const qs = params.toString();
  if (qs === '') return url;
  return url + (url.includes('?') ? '&' : '?') + qs;
}

async function decodeResponse<T>(res: Dispatcher.ResponseData, url: string, expect: number | readonly number[] | undefined): Promise<JsonResponse<T>> {
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw wrapConnectionError(url, err);
  }
  const status = res.statusCode;
  const ok = expect === undefined ? status >= 200 && status < 300 : typeof expect === 'number' ? status === expect : expect.includes(status);
  if (!ok) throw httpErrorFrom(status, text, url);
  let data: unknown;
  if (status !== 204 && text.trim() !== '') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new FlynnError('FLYNN_HTTP_INVALID_JSON', `invalid JSON in response from ${url}`, { apiCode: 'unknown_error', detail: { url, status }, cause: err });
    }
  }
  return { status, headers: toHeaders(res.headers), data: data as T, url };
}

/** An HttpError from a response body: the shared JSON error body if present, else one built from the status. */
export function httpErrorFrom(status: number, text: string, url?: string): HttpError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isErrorBody(parsed)) return new HttpError(status, parsed, url);
  const snippet = text.trim().slice(0, 200);
  return new HttpError(status, { code: apiCodeForStatus(status), message: snippet === '' ? `HTTP ${status}` : snippet }, url);
}

function classify(err: unknown, signal: AbortSignal | undefined): Failure {
  if (signal?.aborted) return { kind: 'fatal', error: signal.reason };
  if (err instanceof HttpConnectionError) {
    const code = errorCode(err.cause);
    return { kind: 'connection', sent: code === undefined || !NOT_SENT.has(code), error: err };
  }
  // A timed-out attempt may have reached the server: treat it as a broken connection.
  if (err instanceof TimeoutError) return { kind: 'connection', sent: true, error: err };
  if (FlynnError.is(err) && err.code !== 'FLYNN_HTTP_INVALID_JSON' && !(err instanceof AbortedError)) return { kind: 'http', error: err };
  return { kind: 'fatal', error: err };
}

function wrapConnectionError(url: string, err: unknown): unknown {
  const code = errorCode(err);
  return code !== undefined && (NOT_SENT.has(code) || BROKEN.has(code)) ? new HttpConnectionError(url, err) : err;
}

/** The errno-like code of an error, its cause, or the first error of an AggregateError. */
export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const first = e instanceof AggregateError ? e.errors[0] : undefined;
    e = first ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function toHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) out.append(k, item);
  }
  return out;
}

function stripCredentials(headers: Record<string, string>): Record<string, string> {
  const { authorization: _a, cookie: _c, ...rest } = headers;
  return rest;
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
