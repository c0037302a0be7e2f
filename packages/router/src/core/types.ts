/**
 * Router model (reference §7.3) and the contract between the router's control
 * side (route table, sources, backends, drain events) and its data path (the
 * HTTP/TCP proxies). Modules ADD here; never rename or remove.
 */

export interface Certificate {
  id?: string;
  cert: string;
  key: string;
  routes?: string[];
}

export interface HttpRoute {
  type: 'http';
  id: string;
  parent_ref?: string;
  service: string;
  domain: string;
  /** Listener port; 0 = the default ports (80/443 and the router's configured HTTP/HTTPS ports). */
  port?: number;
  /** Path prefix, default `/`, always starting and ending with `/` once normalised. */
  path?: string;
  leader?: boolean;
  sticky?: boolean;
  drain_backends?: boolean;
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

/** What the data path gets for a request. */
export interface HttpMatch {
  route: HttpRoute;
  /** Current backends (leader routes: only the leader); may be empty (→ 503). */
  backends: readonly Backend[];
}

export interface TcpMatch {
  route: TcpRoute;
  backends: readonly Backend[];
}

/** Router events on `GET /events` (reference §7.5). */
export type RouterEventType = 'set' | 'remove' | 'backend-up' | 'backend-down' | 'backend-drained';

export interface RouterEvent {
  event: RouterEventType;
  route?: Route;
  backend?: Backend;
  error?: string;
}

/**
 * The control side as the data path sees it. Implemented by the route table +
 * backend registry; read on every request, so lookups must be O(labels + path
 * depth) and allocation-free where possible.
 */
export interface RouterView {
  /** `host` as sent (may carry a port, any case); `listenerPort` = the port the request came in on. */
  matchHttp(host: string, path: string, listenerPort: number): HttpMatch | undefined;
  matchTcp(port: number): TcpMatch | undefined;
  /** SNI → certificate of the route for that domain (exact, then wildcard); undefined → default cert. */
  certificateFor(serverName: string): Certificate | undefined;
  /**
   * Called by the proxy when a request to `backend` starts; the returned
   * function is called exactly once when it ends. Drives drain events.
   */
  beginRequest(route: Route, backend: Backend): () => void;
}
