export type {
  LeaderType,
  ServiceConfig,
  Instance,
  ServiceMeta,
  EventKind,
  DiscoveryEvent,
  EventKindSet,
} from './core/types.js';
export { ALL_KINDS, INSTANCE_KINDS, LEADER_KINDS } from './core/types.js';
