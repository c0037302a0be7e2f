/**
 * Asking a log aggregator where it is: `GET /cursors` on its HTTP API
 * (reference §10). The discovered address is the syslog port; the API is at
 * the same IP on the port the instance publishes as meta `API_PORT` (what
 * @flynn-ts/logaggregator registers), else on port 80 as the original.
 * `cursorsUrl` replaces that derivation.
 */
import { FlynnError, linkSignals, systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import { parseCursors } from './core/host-cursor.js';
import type { HostCursor } from './core/host-cursor.js';
import { splitAddr } from './tcp-sink.js';

/** A receiver as the shipper knows it (a discoverd instance, or a static target). */
export interface LogReceiver {
  /** The syslog `host:port`. */
  addr: string;
  meta?: Record<string, string>;
}

/**
 * The receiver's cursor for `hostId`: null when it has none (it has nothing
 * from this host); throws when it cannot tell (the shipper then falls back
 * to its own record of what it sent).
 */
export type CursorFetcher = (receiver: LogReceiver, hostId: string, signal: AbortSignal) => Promise<HostCursor | null>;

export const LOG_CURSORS_UNAVAILABLE = 'FLYNN_HOST_LOG_CURSORS_UNAVAILABLE';

/** Instance meta key under which a log aggregator publishes its API port (its addr is the syslog port). */
export const API_PORT_META = 'API_PORT';

/**
 * `http://<ip of addr>:<meta API_PORT>/cursors`, or port 80 (as the original)
 * when the receiver publishes no (valid) `API_PORT`.
 */
export function defaultCursorsUrl(receiver: LogReceiver): string {
  const { host } = splitAddr(receiver.addr);
  const port = receiver.meta?.[API_PORT_META];
  const suffix = port !== undefined && /^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536 && Number(port) !== 80 ? `:${Number(port)}` : '';
  return `http://${host.includes(':') ? `[${host}]` : host}${suffix}/cursors`;
}

export interface HttpCursorFetcherOptions {
  /** Default {@link defaultCursorsUrl}. */
  cursorsUrl?: (receiver: LogReceiver) => string;
  clock?: Clock;
  /** Default 5 000. */
  timeoutMs?: number;
}

export function httpCursorFetcher(options: HttpCursorFetcherOptions = {}): CursorFetcher {
  const urlOf = options.cursorsUrl ?? defaultCursorsUrl;
  return async (receiver, hostId, signal) => {
    const url = urlOf(receiver);
    const linked = linkSignals([signal], { timeoutMs: options.timeoutMs ?? 5_000, clock: options.clock ?? systemClock, what: `GET ${url}` });
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal: linked.signal });
      if (!res.ok) {
        await res.body?.cancel();
        throw new FlynnError(LOG_CURSORS_UNAVAILABLE, `GET ${url}: HTTP ${res.status}`, { apiCode: 'service_unavailable', retry: true });
      }
      const cursors = parseCursors(await res.json());
      return cursors[hostId] ?? null;
    } catch (err) {
      if (FlynnError.is(err)) throw err;
      throw new FlynnError(LOG_CURSORS_UNAVAILABLE, `GET ${url}: ${(err as Error).message}`, { apiCode: 'service_unavailable', retry: true, cause: err });
    } finally {
      linked.dispose();
    }
  };
}
