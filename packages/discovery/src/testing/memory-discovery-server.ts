/**
 * Serves a `MemoryDiscoveryStore` with the real discoverd HTTP API
 * (`createDiscoveryApi` + `serve()` on 127.0.0.1), for integration tests of
 * HTTP clients (this package's `DiscoveryClient`, or another language's
 * client) without raft: one always-leader node that lists itself as its only
 * peer in `Discoverd-Peers`.
 */
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import type { Logger } from '@flynn-ts/core';
import type { DiscoveryBackend } from '../server/backend.js';
import { createDiscoveryHttp, discoveryFetchHandler } from '../server/http-api.js';
import { memoryDiscoveryBackend } from './memory-discovery-backend.js';
import type { MemoryDiscoveryStore } from './memory-discovery-store.js';

export interface MemoryDiscoveryServerOptions {
  /** Default 0 (an ephemeral port); pass a previous port to "restart" a server. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  logger?: Logger;
  /** Serve this backend instead of the store's (e.g. a wrapper that injects faults). */
  backend?: (base: DiscoveryBackend) => DiscoveryBackend;
}

export interface MemoryDiscoveryServer {
  /** `http://host:port`. */
  url: string;
  /** `host:port`, as listed in `Discoverd-Peers`. */
  address: string;
  port: number;
  handle: HttpServerHandle;
  /** Stops at once: open event streams are ended and sockets destroyed. */
  close(): Promise<void>;
  /** Open TCP connections (for leak checks). */
  connections(): Promise<number>;
}

export async function serveMemoryDiscovery(store: MemoryDiscoveryStore, options: MemoryDiscoveryServerOptions = {}): Promise<MemoryDiscoveryServer> {
  // Known once the port is bound; the backend asks for it lazily.
  const bound: { address?: string } = {};
  const base = memoryDiscoveryBackend(store, { address: () => bound.address });
  const backend = options.backend ? options.backend(base) : base;
  const streams = new AbortController();
  const api = createDiscoveryHttp(backend, { signal: streams.signal, ...(options.logger ? { logger: options.logger } : {}) });
  const handle = await serve(discoveryFetchHandler(api), { port: options.port ?? 0, host: options.host ?? '127.0.0.1', graceMs: 0 });
  const host = options.host ?? '127.0.0.1';
  const address = `${host.includes(':') ? `[${host}]` : host}:${handle.port}`;
  bound.address = address;
  return {
    url: handle.url,
    address,
    port: handle.port,
    handle,
    close: async () => {
      streams.abort();
      await handle.close(0);
    },
    connections: () => new Promise((resolve, reject) => handle.server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
  };
}
