/**
 * The data types shared by the raft core, the driver, storage and transports.
 * Plain data only: everything here is serialisable by the codec and by JSON
 * (Uint8Array fields excepted, which the codec handles).
 */

/** A node's identity. Stable for the node's lifetime; usually a name or "host:port". */
export type NodeId = string;

export type EntryType = 'normal' | 'conf-change';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque payload (for 'conf-change', an encoded {@link ConfChange}). Empty for the leader's no-op. */
  data: Uint8Array;
}

/** The state raft must persist before sending any message (Raft paper, fig. 2). */
export interface HardState {
  term: number;
  /** Candidate voted for in `term`, or '' for none. */
  vote: NodeId;
  commit: number;
}

/** Cluster membership. A node is in at most one of the two lists. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export type ConfChangeType = 'add-voter' | 'add-learner' | 'remove-node';

/**
 * One membership change. Adding a voter that is a learner promotes it. `context`
 * is free for the application (the driver puts the node's transport address there).
 */
export interface ConfChange {
  type: ConfChangeType;
  node: NodeId;
  context?: string;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The state machine's serialised state as of `meta.index`. */
  data: Uint8Array;
}

export type MessageType =
  | 'app' // append entries (also carries commit)
  | 'app-resp'
  | 'vote'
  | 'vote-resp'
  | 'pre-vote'
  | 'pre-vote-resp'
  | 'heartbeat'
  | 'heartbeat-resp'
  | 'snap' // install snapshot
  | 'prop' // proposal forwarded from a follower to the leader
  | 'read-index' // ReadIndex request forwarded to the leader
  | 'read-index-resp'
  | 'timeout-now'; // leadership transfer: campaign now

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** For 'app': term of the entry at `index`; for votes: last log term. */
  logTerm: number;
  /** For 'app': index preceding `entries`; for votes: last log index; for responses: the matched/last index. */
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  /** On a rejected 'app-resp': the follower's hint of where to probe next. */
  rejectHint: number;
  snapshot?: Snapshot;
  /** Opaque request context (ReadIndex ids, heartbeat read contexts). */
  context?: Uint8Array;
}

/** The result of a ReadIndex request: `index` is safe to read at once applied through. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

export type RoleKind = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state, reported in a Ready when it changes. */
export interface SoftState {
  leader: NodeId; // '' when unknown
  role: RoleKind;
}

/**
 * Work the caller must do, in this order (see DESIGN.md):
 * 1. persist `snapshot` (if any), then `entries` and `hardState` durably (fsync when `mustSync`);
 * 2. send `messages` (only after step 1 completed);
 * 3. apply `committedEntries` to the state machine;
 * 4. call `advance()`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  /** New entries to append to stable storage (may overwrite a conflicting suffix). */
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  mustSync: boolean;
}
