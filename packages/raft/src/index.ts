export type {
  NodeId,
  Entry,
  EntryType,
  HardState,
  ConfState,
  ConfChange,
  ConfChangeType,
  SnapshotMeta,
  Snapshot,
  Message,
  MessageType,
  ReadState,
  RoleKind,
  SoftState,
  Ready,
} from './core/types.js';
export { RaftCore } from './core/raft.js';
export type { RaftConfig, InitialLog, ReadOnlyOption } from './core/config.js';
export type { RaftStatus, ProgressStatus } from './core/status.js';
export type { ProgressState } from './core/progress.js';
export type { ProposalResult } from './core/propose.js';
export { encodeConfChange, decodeConfChange } from './core/conf-change.js';
export {
  ProposalDroppedError,
  ReadIndexDroppedError,
  NotLeaderError,
  ConfChangePendingError,
  ConfChangeInvalidError,
  TransferInvalidError,
  RaftConfigError,
} from './core/errors.js';
export type { DropReason } from './core/errors.js';
export { RaftNode } from './node.js';
export type { RaftNodeOptions, RaftNodeStatus } from './node.js';
export { RaftTimeoutError, RaftShutdownError } from './node-errors.js';
export type { RaftStorage, LogStorage, StableStorage, SnapshotStore, RecoveredState } from './storage.js';
export type { Transport, TransportHandler } from './transport.js';
export type { StateMachine } from './state-machine.js';
export {
  CodecError,
  CODEC_VERSION,
  encodeMessage,
  decodeMessage,
  encodeMessages,
  encodeBatch,
  decodeMessages,
  encodeEntry,
  decodeEntry,
  encodeSnapshot,
  decodeSnapshot,
} from './codec.js';
