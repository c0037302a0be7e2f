/**
 * The default {@link RouterConnector}: a router's API over HTTP (`GET /routes`
 * and the `GET /events` SSE stream of reference §7.5), on the shared
 * JsonClient and reconnecting SSE client of `@flynn-ts/core/http`.
 */
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { JsonClient, joinUrl, sseStream } from '@flynn-ts/core/http';
import type { RouterConnector, SchedulerRouter } from './ports.js';
import type { WireRoute, WireRouterEvent } from './wire.js';

export interface HttpRouterOptions {
  /** Per-request deadline. Default 5 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

const EVENT_TYPES = 'set,remove,backend-up,backend-down,backend-drained';

export function httpRouterConnector(options: HttpRouterOptions = {}): RouterConnector {
  return (addr) => httpRouter(/^https?:\/\//.test(addr) ? addr : `http://${addr}`, options);
}

export function httpRouter(url: string, options: HttpRouterOptions = {}): SchedulerRouter {
  const json = new JsonClient({
    urls: [url],
    timeoutMs: options.timeoutMs ?? 5_000,
    retries: 1,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    async routes() {
      return (await json.get<WireRoute[]>('/routes')) ?? [];
    },
    async *events({ signal, onOpen }) {
      const stream = sseStream(joinUrl(url, '/events', { types: EVENT_TYPES }), {
        signal,
        backoff: { initialMs: 250, maxMs: 5_000 },
        ...(onOpen ? { onOpen: () => onOpen() } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      try {
        for await (const m of stream) {
          if (m.event !== 'message' || m.data === '') continue;
          yield JSON.parse(m.data) as WireRouterEvent;
        }
      } finally {
        stream.close();
      }
    },
    close: () => json.close(),
  };
}
