/**
 * Exactly-once application of proposals. Raft itself applies a command at
 * least once: a forwarded proposal ('prop' message) that the network
 * duplicates, or that a follower forwards again, is appended by the leader
 * once per copy. Every proposal `RaftNode` makes carries an envelope with its
 * origin node and a sequence number whose high 32 bits are a random epoch
 * chosen at start (one epoch per incarnation) and whose low 32 bits count up.
 *
 * `ProposalSessions` is the dedup table consulted before every apply: one
 * session per (origin, epoch), each a window of the last `window` sequence
 * numbers applied plus a floor below which everything counts as done. It is
 * part of the replicated state: every node applies the same entries in the
 * same order, so every node makes the same decision at every index, and the
 * table travels in snapshots (see `snapshot-data.ts`).
 *
 * Verdicts:
 * - `apply`: first time seen; recorded.
 * - `duplicate`: already applied; skip it (its proposer was settled then).
 * - `stale`: below the session's floor and not in the window: a copy delayed
 *   past `window` later proposals of the same origin, or a reordered original.
 *   Skipped, so at most once holds; the proposer is told it was dropped.
 *
 * Bounded: at most `maxSessions` sessions (least recently used evicted; a
 * session is one node incarnation, so only a copy delayed across that many
 * restarts could slip through) of at most `window` numbers each.
 */
import { FlynnError } from '@flynn-ts/core';

export type SessionVerdict = 'apply' | 'duplicate' | 'stale';

export interface ProposalSessionsOptions {
  /** Sequence numbers remembered per session. Default 1024. */
  window?: number;
  /** Sessions remembered in all. Default 64. */
  maxSessions?: number;
}

interface Session {
  origin: string;
  epoch: number;
  /** Every counter <= floor is done (applied, or given up as stale). */
  floor: number;
  /** Counters above the floor that were applied, in apply order. */
  seen: Set<number>;
}

/** The JSON form stored in snapshots. */
interface SessionsJson {
  v: 1;
  sessions: Array<[origin: string, epoch: number, floor: number, seen: number[]]>;
}

const EPOCH = 0x1_0000_0000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ProposalSessions {
  private readonly window: number;
  private readonly maxSessions: number;
  /** Insertion order is recency order (a used session is moved to the end). */
  private sessions = new Map<string, Session>();

  constructor(options: ProposalSessionsOptions = {}) {
    this.window = options.window ?? 1024;
    this.maxSessions = options.maxSessions ?? 64;
  }

  /** Decides whether the proposal (origin, seq) is applied now; records it if so. */
  check(origin: string, seq: number): SessionVerdict {
    const epoch = Math.floor(seq / EPOCH);
    const counter = seq - epoch * EPOCH;
    const key = `${origin}\u0000${epoch}`;
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
    } else {
      s = { origin, epoch, floor: -1, seen: new Set() };
    }
    this.sessions.set(key, s);
    const verdict = s.seen.has(counter) ? 'duplicate' : counter <= s.floor ? 'stale' : 'apply';
    if (verdict === 'apply') this.record(s, counter);
    this.evictSessions();
    return verdict;
  }

  /** Number of sessions held (for tests and status). */
  get size(): number {
    return this.sessions.size;
  }

  encode(): Uint8Array {
    const json: SessionsJson = {
      v: 1,
      sessions: [...this.sessions.values()].map((s) => [s.origin, s.epoch, s.floor, [...s.seen]]),
    };
    return encoder.encode(JSON.stringify(json));
  }

  /** Replaces the whole table with an encoded one (from a snapshot); empty bytes clear it. */
  restore(data: Uint8Array): void {
    this.sessions = new Map();
    if (data.length === 0) return;
    let json: SessionsJson;
    try {
      json = JSON.parse(decoder.decode(data)) as SessionsJson;
    } catch (err) {
      throw new FlynnError('FLYNN_RAFT_SNAPSHOT_SESSIONS', 'undecodable proposal sessions in snapshot', { cause: err });
    }
    if (json.v !== 1 || !Array.isArray(json.sessions)) {
      throw new FlynnError('FLYNN_RAFT_SNAPSHOT_SESSIONS', 'unknown proposal sessions format in snapshot');
    }
    for (const [origin, epoch, floor, seen] of json.sessions) {
      this.sessions.set(`${origin}\u0000${epoch}`, { origin, epoch, floor, seen: new Set(seen) });
    }
  }

  private record(s: Session, counter: number): void {
    s.seen.add(counter);
    if (s.seen.size <= this.window) return;
    // Forget the earliest applied counter; the floor rises to it.
    const oldest = s.seen.values().next().value as number;
    s.seen.delete(oldest);
    if (oldest > s.floor) s.floor = oldest;
    // Counters still in `seen` below the new floor stay until their turn:
    // they answer `duplicate`, which is right, and pruning them would cost a scan.
  }

  private evictSessions(): void {
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }
}
