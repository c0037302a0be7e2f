/**
 * A connection to one cluster's controller: the ControllerClient of
 * @flynn-ts/controller on an undici Agent that honours the cluster's TLS pin,
 * plus the few calls the client does not have yet (`GET /ca-cert` through
 * the pinned agent, `POST /apps/:id/jobs`), made with the same agent and key.
 */
import type { Clock } from '@flynn-ts/core';
import { JsonClient } from '@flynn-ts/core/http';
import type { HttpMethod, Query } from '@flynn-ts/core/http';
import { basicAuthHeader, ControllerClient } from '@flynn-ts/controller';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { FlynnrcCluster } from './core/flynnrc.js';
import { CliError } from './errors.js';
import { decodeTlsPin, pinnedConnector } from './tls-pin.js';

export interface ConnectOptions {
  /** Per-request deadline. Default 30 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
}

export interface ClusterConnection {
  readonly cluster: FlynnrcCluster;
  readonly url: string;
  readonly client: ControllerClient;
  /** The pinned agent every request goes through. */
  readonly dispatcher: Dispatcher;
  /** `Authorization` header value for the cluster key. */
  readonly authorization: string;
  /** The TLS pin, decoded (undefined when none is configured). */
  readonly pin: Uint8Array | undefined;
  /** A JSON call the ControllerClient has no method for. */
  request<T>(method: HttpMethod, path: string, body?: unknown, query?: Query): Promise<T>;
  /** `GET /ca-cert` (no key needed); '' when the cluster has none. */
  caCert(): Promise<string>;
  close(): Promise<void>;
}

export function connectCluster(cluster: FlynnrcCluster, options: ConnectOptions = {}): ClusterConnection {
  if (!cluster.controllerUrl) throw new CliError(`cluster ${JSON.stringify(cluster.name)} has no ControllerURL in ~/.flynnrc`);
  if (cluster.oauthUrl && !cluster.key) throw new CliError(`cluster ${JSON.stringify(cluster.name)} uses OAuth login, which this flynn does not support; add it with a key (flynn cluster add)`);
  const url = cluster.controllerUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pin = cluster.tlsPin ? decodeTlsPin(cluster.tlsPin) : undefined;
  const agent = new Agent({ connect: pinnedConnector(pin, { timeoutMs }), keepAliveTimeout: 4_000 });
  const key = cluster.key ?? '';
  const authorization = basicAuthHeader(key);
  const client = new ControllerClient({ urls: [url], key, timeoutMs, dispatcher: agent, ...(options.clock ? { clock: options.clock } : {}) });
  const json = new JsonClient({ urls: [url], timeoutMs, dispatcher: agent, headers: { authorization }, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    cluster,
    url,
    client,
    dispatcher: agent,
    authorization,
    pin,
    request: (method, path, body, query) => json.request(method, path, { ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) }),
    async caCert() {
      const res = await request(`${url}/ca-cert`, { dispatcher: agent, method: 'GET' });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new CliError(`GET /ca-cert answered ${res.statusCode}`);
      return text;
    },
    async close() {
      await client.close();
      await json.close();
      // The command is over: anything still open (an event stream) goes too.
      await agent.destroy();
    },
  };
}
