// Model and pure core.
export type { Certificate, HttpRoute, TcpRoute, Route, Backend, RouterEvent, RouterEventType } from './core/types.js';
export { ROUTER_EVENT_TYPES } from './core/types.js';
export { RouteTable, sortRoutes, MAX_WILDCARD_LABELS } from './core/route-table.js';
export type { HttpEntry, TcpEntry, RouteEntry, RouteTableOptions } from './core/route-table.js';
export { normalizeRoute, normalizePath, RESERVED_TCP_PORTS } from './core/normalize-route.js';
export { normalizeHost, normalizeDomain } from './core/host.js';
export { isValidRequestId } from './core/request-id.js';
export { parseProxyV1 } from './core/proxy-protocol.js';
export type { ProxyHeader } from './core/proxy-protocol.js';
export {
  RouteConflictError,
  RouteValidationError,
  RouteNotFoundError,
  RouterConfigError,
  RouterClosedError,
  ROUTER_CONFLICT,
  ROUTER_INVALID_ROUTE,
  ROUTER_NOT_FOUND,
  ROUTER_CONFIG,
  ROUTER_CLOSED,
} from './core/errors.js';

// Route and backend sources.
export type { RouteSource, RouteSourceEvent, RouteSourceSubscribeOptions } from './control/route-source.js';
export { MemoryRouteSource } from './control/memory-route-source.js';
export type { MemoryRouteSourceOptions } from './control/memory-route-source.js';
export { FileRouteSource, parseRoutesFile } from './control/file-route-source.js';
export type { FileRouteSourceOptions, RoutesFile } from './control/file-route-source.js';
export { discoveryBackends, staticBackends, backendOf } from './control/backend-source.js';
export type { BackendSource, BackendSnapshot } from './control/backend-source.js';
export { ControlPlane } from './control/control-plane.js';
export type { ControlPlaneOptions, PlaneLink } from './control/control-plane.js';
export type { EventSubscription } from './control/event-hub.js';

// Data path.
export { DataPlane } from './data-plane.js';
export type { DataPlaneOptions, PlaneUpdate } from './data-plane.js';
export { Listeners } from './listeners.js';
export type { ListenersConfig, PortSpec, BoundPorts } from './listeners.js';
export { DEFAULT_TIMEOUTS } from './proxy/proxy-context.js';
export type { ProxyOptions, ProxyTimeouts, AccessRecord } from './proxy/proxy-context.js';
export { StickyCookieCodec, STICKY_COOKIE } from './proxy/sticky-cookie.js';
export { CertificateStore } from './tls/certificate-store.js';
export type { KeyPair, CertificateStoreOptions } from './tls/certificate-store.js';

// The router.
export { createRouter, Router } from './router.js';
export type { RouterOptions, ListenOptions, RouterAddresses } from './router.js';
export { createRouterApi, serveApi } from './api/load-router-api.js';
export { parseEventTypes } from './api/event-types.js';
export type { RouterApiOptions } from './api/router-api.js';

// Several processes (node:cluster): control plane in the primary, data planes in workers.
export { startCluster, DEFAULT_WORKER_EXEC_ARGV } from './cluster/primary.js';
export type { ClusterOptions, ClusterHandle } from './cluster/primary.js';
export { runClusterWorker } from './cluster/worker.js';
export type { WorkerConfig } from './cluster/ipc-protocol.js';
