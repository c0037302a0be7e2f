export { MemoryRouteSource } from '../control/memory-route-source.js';
export { checkRouteSource } from './check-route-source.js';
export type { RouteSourceHarness, CheckRouteSourceOptions } from './check-route-source.js';
