/**
 * One watch connection over SSE: `GET /services/<s>` (the all-kinds stream,
 * which ends its replay with `current`) on the current server, parsed into
 * `DiscoveryEvent`s. The reconnect policy lives in ./watch.ts; this opens a
 * single connection (`sseStream` with `reconnect: false`, following 307s) and
 * reports how it ended: done when the server ended the body, an error
 * otherwise. A failed connection, or one the watch found lagging, moves the
 * server list past that server.
 *
 * Indexes: the request carries `Discoverd-Event-Index: true`, so our servers
 * precede each frame with `id: <raft index>`; each event is reported with
 * that index. A server that sends no ids (the original discoverd) gets the
 * stream's `Discoverd-Index` header (the index before the replay was taken,
 * so a lower bound) as the index of its `current`, and none for live events.
 */
import { FlynnError, HttpError } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { joinUrl, sseStream } from '@flynn-ts/core/http';
import type { Dispatcher } from 'undici';
import type { DiscoveryEvent, EventKind } from '../core/types.js';
import type { ServerList } from './server-list.js';
import type { WatchConnection, WatchConnector, WatchItem } from './watch.js';

export interface SseConnectorOptions {
  servers: ServerList;
  dispatcher: Dispatcher;
  clock: Clock;
  random: Random;
  logger: Logger;
  headers?: Record<string, string>;
  /** Called with the `Discoverd-Peers` header of every stream that opens. */
  onPeers?: (peers: string | undefined) => void;
}

const KINDS: ReadonlySet<string> = new Set<EventKind>(['up', 'update', 'down', 'leader', 'current', 'service_meta']);

/** Asks our servers for `id: <raft index>` lines (see the server's `EVENT_INDEX_HEADER`). */
const EVENT_INDEX_REQUEST = { 'Discoverd-Event-Index': 'true' } as const;

/** Connects watches of `service` over SSE. */
export function sseWatchConnector(service: string, options: SseConnectorOptions): WatchConnector {
  return () => connect(service, options);
}

/** A 4xx answer (other than 408/429) or a non-SSE 2xx: retrying the same request cannot help. */
export function isFatalStreamError(err: unknown): boolean {
  return err instanceof HttpError && err.status < 500 && err.status !== 408 && err.status !== 429;
}

function connect(service: string, options: SseConnectorOptions): WatchConnection {
  const base = options.servers.current();
  const url = joinUrl(base, `/services/${encodeURIComponent(service)}`);
  let headerIndex: number | undefined;
  const stream = sseStream(url, {
    reconnect: false,
    dispatcher: options.dispatcher,
    clock: options.clock,
    random: options.random,
    logger: options.logger,
    headers: { ...options.headers, ...EVENT_INDEX_REQUEST },
    onOpen: (info) => {
      options.onPeers?.(headerValue(info.headers['discoverd-peers']));
      headerIndex = parseIndex(headerValue(info.headers['discoverd-index']));
    },
  });
  async function* events(): AsyncGenerator<WatchItem, void, undefined> {
    try {
      for await (const msg of stream) {
        if (msg.event === 'error') {
          throw new FlynnError('FLYNN_DISCOVERY_STREAM_ERROR', `discovery stream ended by the server: ${msg.data}`, { apiCode: 'service_unavailable', retry: true });
        }
        if (msg.event !== 'message') continue;
        const event = parseEvent(msg.data);
        if (event.service !== service) continue;
        const index = parseIndex(msg.id) ?? (event.kind === 'current' ? headerIndex : undefined);
        yield index === undefined ? { event } : { event, index };
      }
    } catch (err) {
      if (!isFatalStreamError(err)) options.servers.failover(base);
      throw err;
    } finally {
      stream.close();
    }
  }
  const gen = events();
  return {
    [Symbol.asyncIterator]: () => gen,
    close: () => {
      stream.close();
      void gen.return(undefined).catch(() => {});
    },
    lagging: () => options.servers.failover(base),
  };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A non-negative integer, or undefined. */
export function parseIndex(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,15}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** Parses one `data:` payload; a malformed one ends the connection (the replay after reconnecting fills the gap). */
export function parseEvent(data: string): DiscoveryEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (err) {
    throw badEvent(`not JSON: ${data.slice(0, 100)}`, err);
  }
  const o = raw as Partial<DiscoveryEvent> | null;
  if (typeof o !== 'object' || o === null || typeof o.service !== 'string' || typeof o.kind !== 'string' || !KINDS.has(o.kind)) {
    throw badEvent(`unexpected event ${data.slice(0, 100)}`);
  }
  const needsInstance = o.kind === 'up' || o.kind === 'update' || o.kind === 'down';
  if ((needsInstance && !isInstance(o.instance)) || (o.instance !== undefined && !isInstance(o.instance))) {
    throw badEvent(`event without a valid instance: ${data.slice(0, 100)}`);
  }
  if (o.kind === 'service_meta' && (typeof o.service_meta !== 'object' || o.service_meta === null || typeof o.service_meta.index !== 'number')) {
    throw badEvent(`service_meta event without meta: ${data.slice(0, 100)}`);
  }
  const event: DiscoveryEvent = { service: o.service, kind: o.kind };
  if (o.instance) event.instance = normaliseInstance(o.instance);
  if (o.service_meta) event.service_meta = { data: o.service_meta.data, index: o.service_meta.index };
  return event;
}

function isInstance(v: unknown): v is DiscoveryEvent['instance'] & object {
  const i = v as Record<string, unknown> | null;
  return typeof i === 'object' && i !== null && typeof i.id === 'string' && typeof i.addr === 'string';
}

function normaliseInstance(i: NonNullable<DiscoveryEvent['instance']>): NonNullable<DiscoveryEvent['instance']> {
  const out: NonNullable<DiscoveryEvent['instance']> = { id: i.id, addr: i.addr, proto: typeof i.proto === 'string' ? i.proto : 'tcp', index: typeof i.index === 'number' ? i.index : 0 };
  if (i.meta && typeof i.meta === 'object' && Object.keys(i.meta).length > 0) out.meta = { ...i.meta };
  return out;
}

function badEvent(message: string, cause?: unknown): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_BAD_EVENT', `discovery stream: ${message}`, { apiCode: 'unknown_error', retry: true, cause });
}
