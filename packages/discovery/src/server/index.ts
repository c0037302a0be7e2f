// The discovery server: raft-backed store, the node (member/proxy), the HTTP API and DNS.
export type { DiscoveryBackend, MetaWrite, ReadOptions, Subscription } from './backend.js';
export { DiscoveryStore, DEFAULT_INSTANCE_TTL_MS, DEFAULT_EXPIRY_INTERVAL_MS } from './store.js';
export type { DiscoveryStoreOptions } from './store.js';
export { DiscoveryNode, RAFT_PATH_PREFIX } from './discovery-node.js';
export type { DiscoveryNodeOptions, NodeRole } from './discovery-node.js';
export { httpMembershipClient } from './discovery-node-membership.js';
export type { MembershipClient, HttpMembershipOptions } from './discovery-node-membership.js';
export { SelfAddressedTransport } from './discovery-node-transport.js';
export { DiscoveryStateMachine } from './fsm.js';
export type { DiscoveryStateMachineOptions } from './fsm.js';
export type { SubscriptionEnd } from './store-subscriptions.js';
export { createDiscoveryApi } from './http-api.js';
export type { DiscoveryApiOptions } from './http-api.js';
export { createProxyApi, isProxyLocal, NO_KNOWN_PEERS } from './proxy.js';
export type { ProxyApiOptions } from './proxy.js';
export { eventStreamResponse, formatEventFrame, DEFAULT_KEEP_ALIVE_MS } from './sse-stream.js';
export type { EventStreamOptions, StreamCloseReason } from './sse-stream.js';
