/**
 * One HTTP call of the Jepsen workload, classified by what the caller may
 * conclude about its effect:
 *
 * - `response`: a server answered (after following up to `maxRedirects`
 *   307s, re-sending the body, as a discoverd client does);
 * - `not-sent`: no server that could have applied it ever saw it (the
 *   connection was refused or never established, possibly after earlier hops
 *   answered 307, which a member sends only before proposing anything);
 * - `unknown`: the request may have reached a server (timeout, reset after
 *   the request was written, body lost): it may take effect later, or never.
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';

export type HttpOutcome =
  | { kind: 'response'; status: number; body: unknown; text: string; url: string }
  | { kind: 'not-sent'; error: string }
  | { kind: 'unknown'; error: string };

export interface CallOptions {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** `host:port` of the first node asked. */
  node: string;
  path: string;
  body?: unknown;
  /** Whole call, redirects included. */
  timeoutMs: number;
  maxRedirects?: number;
}

/** Connect errors: the request was never written to a socket. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export function makeAgent(timeoutMs: number): Agent {
  // Short keep-alive: a restarted daemon should not meet many stale pooled sockets.
  return new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 1_000, pipelining: 1 });
}

export async function call(dispatcher: Dispatcher, o: CallOptions): Promise<HttpOutcome> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  let url = new URL(`http://${o.node}${o.path}`);
  for (let hop = 0; ; hop++) {
    try {
      const res = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: o.method,
        signal,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json', accept: 'application/json' } }),
      });
      const text = await res.body.text();
      if (res.statusCode === 307 && hop < (o.maxRedirects ?? 3)) {
        const location = res.headers.location;
        if (typeof location === 'string') {
          url = new URL(location, url);
          continue;
        }
      }
      return { kind: 'response', status: res.statusCode, body: parse(text), text, url: url.host };
    } catch (err) {
      const code = errorCode(err);
      const name = code ?? (err instanceof Error ? err.name : 'error');
      const message = `${url.host}: ${name} ${err instanceof Error ? err.message : String(err)}`;
      return code !== undefined && NOT_SENT.has(code) ? { kind: 'not-sent', error: message } : { kind: 'unknown', error: message };
    }
  }
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorCode(err: unknown): string | undefined {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes.find((c) => NOT_SENT.has(c)) ?? codes[0];
}
