export type { DiscoveryBackend, MetaWrite, ReadOptions, Subscription } from './backend.js';
