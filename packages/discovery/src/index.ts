// Data model and pure core.
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
export { applyCommand } from './core/reducer.js';
export type { ApplyOutput } from './core/reducer.js';
export { encodeCommand, decodeCommand, parseCommand, toInstanceInput, CommandCodecError, COMMAND_VERSION } from './core/commands.js';
export type {
  Command,
  CommandType,
  InstanceInput,
  InstanceRef,
  AddServiceCommand,
  RemoveServiceCommand,
  AddInstanceCommand,
  RemoveInstanceCommand,
  ExpireInstancesCommand,
  SetMetaCommand,
  SetLeaderCommand,
} from './core/commands.js';
export { EMPTY_STATE, emptyState, serviceNames, instancesOf, leaderOf } from './core/state.js';
export type { DiscoveryState, ServiceState } from './core/state.js';
export { InstanceMap, byIndex } from './core/instance-map.js';
export { SortedMap, compareStrings } from './core/sorted-map.js';
export type { Compare } from './core/sorted-map.js';
export { replayEvents, diffStates } from './core/replay.js';
export { planExpiry, heartbeatKey } from './core/expiry.js';
export { snapshotOf, restoreState, encodeSnapshot, decodeSnapshot, decodeSnapshotWithIndex, SnapshotCodecError, SNAPSHOT_VERSION } from './core/snapshot.js';
export type { StateSnapshot, ServiceSnapshot } from './core/snapshot.js';
export { oldestInstanceId } from './core/leader.js';
export {
  serviceNameProblem,
  protoProblem,
  addrProblem,
  metaProblem,
  instanceProblem,
  registrationProblem,
  splitHostPort,
} from './core/validate.js';
export type { SplitHostPort } from './core/validate.js';
export { instanceId } from './core/instance-id.js';
export {
  DiscoveryError,
  commandError,
  DISCOVERY_NOT_FOUND,
  DISCOVERY_EXISTS,
  DISCOVERY_META_EXISTS,
  DISCOVERY_META_STALE,
  DISCOVERY_INVALID,
  DISCOVERY_NO_LEADER,
  DISCOVERY_CATCHING_UP,
  DISCOVERY_SHUTDOWN,
} from './core/errors.js';
export type { CommandResult, CommandSuccess, CommandFailure, CommandErrorCode } from './core/errors.js';

// Client SDK.
export { DiscoveryClient } from './client/discovery-client.js';
export type { DiscoveryClientOptions } from './client/discovery-client.js';
export type {
  ServiceDiscovery,
  Heartbeater,
  DiscoveryWatch,
  WatchOptions,
  RegisterOptions,
  AddServiceOptions,
  SetMetaInput,
  UpdateMetaOptions,
  MetaUpdater,
  LookupOptions,
  CallOptions,
  Closer,
} from './client/service-discovery.js';
export {
  DiscoveryNotFoundError,
  DiscoveryExistsError,
  MetaExistsError,
  MetaStaleError,
  DiscoveryClosedError,
  DISCOVERY_CLOSED,
  isMetaConflict,
  isDiscoveryNotFound,
  discoveryValidationError,
} from './client/errors.js';
export { LeaderFollower } from './client/leader-follower.js';
export { expandAddr } from './client/expand-addr.js';
export { updateMeta } from './client/update-meta.js';
export { ServiceView } from './client/service-view.js';
export { ServerList } from './client/server-list.js';

// Health checks.
export { allChecks } from './health/health-check.js';
export type { HealthCheck } from './health/health-check.js';
export { tcpCheck } from './health/tcp-check.js';
export type { TcpCheckOptions } from './health/tcp-check.js';
export { httpCheck } from './health/http-check.js';
export type { HttpCheckOptions } from './health/http-check.js';
export { HealthMonitor } from './health/health-monitor.js';
export type { HealthStatus, HealthEvent, HealthMonitorOptions } from './health/health-monitor.js';
export { registerWhileHealthy } from './health/register-while-healthy.js';
export type { RegisterWhileHealthyOptions, HealthRegistration, KillReason } from './health/register-while-healthy.js';
