/**
 * The simulator's state machine: the `KvStateMachine` behind per-client
 * sessions (Raft thesis §6.3). Raft appends a command at least once: a network
 * that duplicates a forwarded proposal makes the leader append it twice.
 * `RaftNode` applies it once (its proposal sessions), so a command seen again
 * here is a driver bug and is reported through `onDuplicate` (the simulator
 * records a violation). An older command arriving late (a client gave up on
 * it and moved on) changes nothing, which is what the linearizability check
 * assumes.
 *
 * The sessions are part of the replicated state: they go into snapshots and
 * into the state digest the safety monitor compares across nodes.
 */
import type { StateMachine } from '../state-machine.js';
import { encodeKvCommand, KvStateMachine } from './kv-state-machine.js';
import type { KvCommand, KvResult } from './kv-state-machine.js';

/** A client command: the client, its sequence number (from 1, increasing) and the KV command. */
export interface SimCommand {
  client: number;
  seq: number;
  cmd: KvCommand;
}

interface Session {
  seq: number;
  result: KvResult;
}

interface SimSnapshot {
  kv: string;
  sessions: Array<[number, Session]>;
  stateIndex: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeSimCommand(c: SimCommand): Uint8Array {
  return encoder.encode(JSON.stringify({ c: c.client, s: c.seq, cmd: c.cmd }));
}

export function decodeSimCommand(data: Uint8Array): SimCommand {
  const raw = JSON.parse(decoder.decode(data)) as { c: number; s: number; cmd: KvCommand };
  return { client: raw.c, seq: raw.s, cmd: raw.cmd };
}

/** What a late, superseded command returns (nobody waits for it any more). */
const STALE: KvResult = { op: 'get', value: undefined, mod: 0 };

export interface SimKvOptions {
  /** Called when a command (client, seq) is applied a second time. */
  onDuplicate?: (client: number, seq: number, index: number) => void;
}

export class SimKvStateMachine implements StateMachine<KvResult> {
  readonly kv = new KvStateMachine();
  private sessions = new Map<number, Session>();
  private index = 0;

  constructor(private readonly options: SimKvOptions = {}) {}

  apply(command: Uint8Array, meta: { index: number; term: number }): KvResult {
    const { client, seq, cmd } = decodeSimCommand(command);
    const session = this.sessions.get(client);
    if (session && seq === session.seq) {
      this.options.onDuplicate?.(client, seq, meta.index);
      return session.result;
    }
    if (session && seq < session.seq) return STALE;
    const result = this.kv.apply(encodeKvCommand(cmd), meta);
    this.sessions.set(client, { seq, result });
    this.index = meta.index;
    return result;
  }

  /** The index of the last command that changed the state (a duplicate does not). */
  get stateIndex(): number {
    return this.index;
  }

  /** A canonical string of the whole replicated state. */
  state(): string {
    const snap: SimSnapshot = {
      kv: decoder.decode(this.kv.snapshot()),
      sessions: [...this.sessions].sort((a, b) => a[0] - b[0]),
      stateIndex: this.index,
    };
    return JSON.stringify(snap);
  }

  snapshot(): Uint8Array {
    return encoder.encode(this.state());
  }

  restore(data: Uint8Array): void {
    const snap = JSON.parse(decoder.decode(data)) as SimSnapshot;
    this.kv.restore(encoder.encode(snap.kv));
    this.sessions = new Map(snap.sessions);
    this.index = snap.stateIndex;
  }
}
