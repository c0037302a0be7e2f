/**
 * The raft core's configuration, its defaults and validation.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger, Random } from '@flynn-ts/core';
import { RaftConfigError } from './errors.js';
import type { Entry, HardState, NodeId, Snapshot } from './types.js';

/** What the driver recovered from storage (compatible with `RecoveredState`). */
export interface InitialLog {
  hardState?: HardState | undefined;
  snapshot?: Snapshot | undefined;
  /** Contiguous; entries at or below the snapshot index are skipped. */
  entries?: readonly Entry[];
}

export type ReadOnlyOption = 'safe' | 'lease-based';

export interface RaftConfig {
  id: NodeId;
  /** Injected randomness for the election timeout jitter (seeded in tests). */
  random: Random;
  /** Ticks without hearing from a leader before campaigning (randomised in [electionTick, 2*electionTick)). Default 10. */
  electionTick?: number;
  /** Ticks between leader heartbeats. Default 1. Must be < electionTick. */
  heartbeatTick?: number;
  /** The recovered storage content. Omit (or leave empty) for a fresh node. */
  log?: InitialLog;
  /**
   * The index the state machine already reflects. Default: the snapshot index
   * (or 0). Committed entries after it are handed out again; conf changes at
   * or below it are replayed from the log to rebuild the membership.
   */
  applied?: number;
  /**
   * Fresh cluster bootstrap: the initial voters. Used only when the recovered
   * state is empty; then the core writes one `add-voter` conf-change entry per
   * peer (and `add-learner` per learner), sorted, at term 1, already committed
   * and applied. Every founding member must be given the same lists. A node
   * that joins an existing cluster is started with no peers.
   */
  peers?: readonly NodeId[];
  /** Fresh cluster bootstrap: the initial learners. */
  learners?: readonly NodeId[];
  /** Pre-vote phase before real elections (Raft thesis §9.6). Default true. */
  preVote?: boolean;
  /** Leader steps down without a recently active quorum; followers honour the leader lease. Default true. */
  checkQuorum?: boolean;
  /** Max bytes of entries per append message (at least one entry is always sent). Default 1 MiB. */
  maxSizePerMsg?: number;
  /** Max in-flight append messages per follower in replicate state. Default 256. */
  maxInflightMsgs?: number;
  /** Max in-flight payload bytes per follower; 0 = unlimited. Default 0. */
  maxInflightBytes?: number;
  /** Max payload bytes of the leader's uncommitted tail; proposals over it are dropped. Default unlimited. */
  maxUncommittedEntriesSize?: number;
  /** Max bytes of committed entries per Ready (at least one). Default: maxSizePerMsg. */
  maxCommittedSizePerReady?: number;
  /** 'safe' (heartbeat round per read) or 'lease-based' (requires checkQuorum). Default 'safe'. */
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. Default false. */
  disableProposalForwarding?: boolean;
  /**
   * The newest snapshot, for followers that need compacted entries. Return
   * undefined if none is available right now (the core retries later).
   * Default: the snapshot last given to `applySnapshotCreated`.
   */
  snapshotSource?: () => Snapshot | undefined;
  logger?: Logger;
}

export interface ResolvedConfig {
  id: NodeId;
  random: Random;
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxInflightBytes: number;
  maxUncommittedEntriesSize: number;
  maxCommittedSizePerReady: number;
  readOnlyOption: ReadOnlyOption;
  disableProposalForwarding: boolean;
  snapshotSource: (() => Snapshot | undefined) | undefined;
  logger: Logger;
}

/** Applies defaults and validates; throws {@link RaftConfigError}. */
export function resolveConfig(c: RaftConfig): ResolvedConfig {
  if (typeof c.id !== 'string' || c.id === '') throw new RaftConfigError('id', 'must be a non-empty string');
  const electionTick = c.electionTick ?? 10;
  const heartbeatTick = c.heartbeatTick ?? 1;
  positiveInt('electionTick', electionTick);
  positiveInt('heartbeatTick', heartbeatTick);
  if (electionTick <= heartbeatTick) throw new RaftConfigError('electionTick', 'must be greater than heartbeatTick');
  const maxSizePerMsg = c.maxSizePerMsg ?? 1024 * 1024;
  nonNegative('maxSizePerMsg', maxSizePerMsg);
  const maxInflightMsgs = c.maxInflightMsgs ?? 256;
  positiveInt('maxInflightMsgs', maxInflightMsgs);
  const maxInflightBytes = c.maxInflightBytes ?? 0;
  nonNegative('maxInflightBytes', maxInflightBytes);
  if (maxInflightBytes > 0 && maxInflightBytes < maxSizePerMsg) {
    throw new RaftConfigError('maxInflightBytes', 'must be >= maxSizePerMsg (or 0 for unlimited)');
  }
  const maxUncommittedEntriesSize = c.maxUncommittedEntriesSize ?? Infinity;
  nonNegative('maxUncommittedEntriesSize', maxUncommittedEntriesSize);
  const maxCommittedSizePerReady = c.maxCommittedSizePerReady ?? maxSizePerMsg;
  nonNegative('maxCommittedSizePerReady', maxCommittedSizePerReady);
  const checkQuorum = c.checkQuorum ?? true;
  const readOnlyOption = c.readOnlyOption ?? 'safe';
  if (readOnlyOption !== 'safe' && readOnlyOption !== 'lease-based') {
    throw new RaftConfigError('readOnlyOption', `unknown option ${String(readOnlyOption)}`);
  }
  if (readOnlyOption === 'lease-based' && !checkQuorum) {
    throw new RaftConfigError('readOnlyOption', "'lease-based' reads are only safe with checkQuorum enabled");
  }
  return {
    id: c.id,
    random: c.random,
    electionTick,
    heartbeatTick,
    preVote: c.preVote ?? true,
    checkQuorum,
    maxSizePerMsg,
    maxInflightMsgs,
    maxInflightBytes,
    maxUncommittedEntriesSize,
    maxCommittedSizePerReady,
    readOnlyOption,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    snapshotSource: c.snapshotSource,
    logger: c.logger ?? noopLogger,
  };
}

function positiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RaftConfigError(field, `must be a positive integer, got ${v}`);
}

function nonNegative(field: string, v: number): void {
  if (!(v >= 0)) throw new RaftConfigError(field, `must be >= 0, got ${v}`);
}
