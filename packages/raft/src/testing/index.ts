// Fakes, harnesses, conformance suites and the linearizability checker.
// The describe* suites import vitest (an optional peer dependency).
export { MemoryStorage } from './memory-storage.js';
export type { CrashKind } from './memory-storage.js';
export { MemoryNetwork, MemoryTransport } from './memory-network.js';
export type { MemoryNetworkOptions, MemoryNetworkStats, LinkSelector } from './memory-network.js';
export { KvStateMachine, encodeKvCommand } from './kv-state-machine.js';
export type { KvCommand, KvResult, KvEntry } from './kv-state-machine.js';
export { describeRaftStorage, RAFT_STORAGE_TESTS, entryAt, entryRange, expectEntries } from './describe-raft-storage.js';
export type { RaftStorageHarness, DescribeRaftStorageOptions, RaftStorageTest } from './describe-raft-storage.js';
export {
  describeTransport,
  RecordingHandler,
  TRANSPORT_TESTS,
  sampleMessage,
  sampleSnapshot,
  patternBytes,
  comparable,
} from './describe-transport.js';
export type { TransportCluster, TransportFactory, DescribeTransportOptions } from './describe-transport.js';
export { InteractionEnv } from './interaction-env.js';
export type { EnvOptions, EnvNode, NodeOptions } from './interaction-env.js';
export { runInteraction, runCommand } from './interaction.js';
export { SafetyChecker } from './interaction-safety.js';
export type { AppliedEntry } from './interaction-safety.js';
export {
  UNKNOWN,
  isPending,
  outputOf,
  returnOf,
  partitionBy,
  checkOperations,
  checkHistory,
  checkEvents,
  eventsToOperations,
  operationsToEvents,
  registerModel,
  kvModel,
  casRegisterModel,
  HistoryRecorder,
  formatHistory,
  formatCheckResult,
} from '../check/index.js';
export type {
  Unknown,
  ClientId,
  CompletedOperation,
  PendingOperation,
  Operation,
  StepResult,
  Model,
  CheckVerdict,
  CheckOptions,
  CheckResult,
  CheckInfo,
  PartitionReport,
  Event,
  CallEvent,
  ReturnEvent,
  RegisterInput,
  RegisterOutput,
  KvInput,
  KvOutput,
  KvState,
  CasRegisterInput,
  CasRegisterOutput,
  CasRegisterState,
  CasMeta,
  HistoryRecorderOptions,
  OpenOperation,
} from '../check/index.js';
// The seeded simulator over real RaftNode drivers.
export { runSimulation, Simulation, SimulationError } from './simulator.js';
export type { SimulationOptions, SimulationResult, ActionKind } from './simulator.js';
export { SimCluster } from './simulator-cluster.js';
export type { SimClusterOptions, SimMember, SimNodeOptions, InspectableStateMachine } from './simulator-cluster.js';
export { SafetyMonitor, hashBytes } from './simulator-safety.js';
export type { IncarnationRecord } from './simulator-safety.js';
export { LatencyStorage } from './simulator-storage.js';
export { SimKvStateMachine, encodeSimCommand, decodeSimCommand } from './simulator-kv.js';
export type { SimCommand, SimKvOptions } from './simulator-kv.js';
