/**
 * Router model (reference §7.3) and the contract between the router's control
 * side (route table, sources, backends, drain events) and its data path (the
 * HTTP/TCP proxies). Field names are the original Flynn's JSON names: routes
 * and events go over the wire as they are.
 */

export interface Certificate {
  id?: string;
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
  routes?: string[];
}

export interface HttpRoute {
  type: 'http';
  id: string;
  parent_ref?: string;
  service: string;
  /** Host name, `*.suffix` (wildcard) or `*` (catch-all); matched case-insensitively. */
  domain: string;
  /** Listener port; 0 = the default ports (the router's configured default HTTP/HTTPS ports). */
  port?: number;
  /** Path prefix, default `/`, always starting and ending with `/` once normalised. */
  path?: string;
  /** Send requests only to the service leader. */
  leader?: boolean;
  /** Keep a client on one backend with the encrypted `_backend` cookie. */
  sticky?: boolean;
  /** Count in-flight requests and emit `backend-drained` once a down backend has none. */
  drain_backends?: boolean;
  /** Close the backend connection after every request instead of pooling it. */
  disable_keep_alives?: boolean;
  certificate?: Certificate;
  created_at?: string;
  updated_at?: string;
}

export interface TcpRoute {
  type: 'tcp';
  id: string;
  parent_ref?: string;
  service: string;
  port: number;
  leader?: boolean;
  drain_backends?: boolean;
  created_at?: string;
  updated_at?: string;
}

export type Route = HttpRoute | TcpRoute;

/** A live instance of a route's service, from discovery (reference §7.4). */
export interface Backend {
  service: string;
  /** `ip:port` (IPv6 as `[::1]:port`). */
  addr: string;
  app?: string;
  job_id?: string;
}

/** Router events on `GET /events` (reference §7.5). */
export type RouterEventType = 'set' | 'remove' | 'backend-up' | 'backend-down' | 'backend-drained';

export const ROUTER_EVENT_TYPES: readonly RouterEventType[] = ['set', 'remove', 'backend-up', 'backend-down', 'backend-drained'];

export interface RouterEvent {
  event: RouterEventType;
  route?: Route;
  backend?: Backend;
  error?: string;
}
