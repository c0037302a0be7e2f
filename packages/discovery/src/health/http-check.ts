/**
 * HTTP(S) health check (reference §1.9, the original's `HTTPCheck`): `GET url`
 * must answer the expected status (default 200) within the timeout (default
 * 2 s) and, when `match` is set, contain it within the first 5 KiB of the
 * body. `host` sets the Host header and the TLS server name. TLS certificates
 * are not verified (a health check needs neither confidentiality nor
 * authenticity), and every check uses a fresh connection (`Connection: close`).
 */
import { FlynnError, linkSignals, systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import { Agent, request } from 'undici';
import type { HealthCheck } from './health-check.js';

export interface HttpCheckOptions {
  url: string;
  /** Host header (and TLS SNI); default the URL's host. */
  host?: string;
  /** Default 200. */
  status?: number;
  /** Must occur within the first 5 KiB of the body. */
  match?: string | Uint8Array;
  /** Default 2 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
}

const MATCH_WINDOW = 5 * 1024;

export function httpCheck(options: HttpCheckOptions): HealthCheck {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const clock = options.clock ?? systemClock;
  const expected = options.status ?? 200;
  const match = typeof options.match === 'string' ? new TextEncoder().encode(options.match) : options.match;
  const servername = options.host ? stripPort(options.host) : undefined;
  const fail = (message: string, cause?: unknown) =>
    new FlynnError('FLYNN_DISCOVERY_HEALTH_HTTP', `http check ${options.url}: ${message}`, { apiCode: 'service_unavailable', cause });
  return async (signal) => {
    const linked = linkSignals([signal], { timeoutMs, clock, what: `http check ${options.url}` });
    const agent = new Agent({
      connect: { rejectUnauthorized: false, ...(servername && !isIp(servername) ? { servername } : {}) },
      pipelining: 0,
    });
    try {
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(options.url, { method: 'GET', headers: options.host ? { host: options.host } : {}, signal: linked.signal, dispatcher: agent, reset: true });
      } catch (err) {
        throw linked.signal.aborted ? linked.signal.reason : fail(err instanceof Error ? err.message : String(err), err);
      }
      if (res.statusCode !== expected) {
        await res.body.dump().catch(() => {});
        throw fail(`expected HTTP status ${expected}, got ${res.statusCode}`);
      }
      if (!match || match.length === 0) {
        await res.body.dump().catch(() => {});
        return;
      }
      const head = await readPrefix(res.body, MATCH_WINDOW).catch((err: unknown) => {
        throw linked.signal.aborted ? linked.signal.reason : fail('reading body failed', err);
      });
      if (!contains(head, match)) throw fail('response did not match expected bytes');
    } finally {
      linked.dispose();
      await agent.destroy().catch(() => {});
    }
  };
}

/** Up to `limit` bytes from the start of a body; the rest is discarded. */
async function readPrefix(body: AsyncIterable<unknown>, limit: number): Promise<Uint8Array> {
  const out = new Uint8Array(limit);
  let n = 0;
  for await (const chunk of body) {
    const bytes = chunk as Uint8Array;
    const take = Math.min(bytes.length, limit - n);
    out.set(bytes.subarray(0, take), n);
    n += take;
    if (n >= limit) break;
  }
  return out.subarray(0, n);
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i > 0 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
