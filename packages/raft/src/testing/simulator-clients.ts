/**
 * The simulator's clients: a few concurrent clients, each with at most one
 * operation in flight, issuing put / cas / delete / get through the log and
 * linearizable reads (`read()` then a local get) against random nodes, and
 * recording the history for the linearizability checker.
 *
 * Outcomes (STYLE §7): a result is `ok`; `NotLeaderError` and
 * `ProposalDroppedError` are thrown by the core before anything is appended,
 * so the operation certainly did not happen (`fail`); a timeout, a shutdown or
 * a result from a node that has since crashed is unknown (`info`). A read that
 * fails has no effect either way.
 */
import { FlynnError } from '@flynn-ts/core';
import type { Random } from '@flynn-ts/core';
import type { KvInput, KvOutput } from '../check/kv-model.js';
import type { HistoryRecorder, OpenOperation } from '../check/history.js';
import type { KvCommand, KvResult } from './kv-state-machine.js';
import type { SimCluster, SimMember } from './simulator-cluster.js';
import { encodeSimCommand } from './simulator-kv.js';
import type { SimKvStateMachine } from './simulator-kv.js';
import { hashBytes } from './simulator-safety.js';
import type { SafetyMonitor } from './simulator-safety.js';

export type SimInput = KvInput<string>;
export type SimOutput = KvOutput<string>;
type Member = SimMember<KvResult, SimKvStateMachine>;

export interface SimClientsOptions {
  count: number;
  keys: number;
  random: Random;
  cluster: SimCluster<KvResult, SimKvStateMachine>;
  monitor: SafetyMonitor;
  recorder: HistoryRecorder<SimInput, SimOutput>;
  timeoutMs: number;
  trace: (line: string) => void;
}

/** A write the cluster acknowledged: the command must stay applied at `index`. */
export interface AckedWrite {
  index: number;
  hash: string;
  what: string;
}

export interface ClientStats {
  ok: number;
  failed: number;
  unknown: number;
}

type Kind = 'put' | 'cas' | 'delete' | 'get' | 'read';
const KINDS: ReadonlyArray<[Kind, number]> = [
  ['put', 30],
  ['cas', 25],
  ['delete', 5],
  ['get', 15],
  ['read', 25],
];

export class SimClients {
  readonly acked: AckedWrite[] = [];
  readonly stats: ClientStats = { ok: 0, failed: 0, unknown: 0 };
  private readonly busy = new Set<number>();
  private readonly seqs: number[];
  /** The latest (value, mod) a client learned per key: what a cas expects. */
  private readonly known = new Map<string, { value: string | undefined; mod: number }>();

  constructor(private readonly o: SimClientsOptions) {
    this.seqs = Array.from({ length: o.count }, () => 0);
  }

  get inFlight(): number {
    return this.busy.size;
  }

  /** Starts one operation from an idle client on a random live node; false if none could start. */
  issue(): boolean {
    const { random, cluster } = this.o;
    const idle = this.seqs.map((_, i) => i).filter((i) => !this.busy.has(i));
    const nodes = cluster.members();
    if (idle.length === 0 || nodes.length === 0) return false;
    const client = random.pick(idle);
    const member = random.pick(nodes);
    const key = `k${random.int(this.o.keys)}`;
    const kind = pickWeighted(random, KINDS);
    this.busy.add(client);
    if (kind === 'read') this.read(client, member, key);
    else this.propose(client, member, kind, key);
    return true;
  }

  private propose(client: number, member: Member, kind: Exclude<Kind, 'read'>, key: string): void {
    const seq = ++this.seqs[client]!;
    const value = `${client}.${seq}`;
    const known = this.known.get(key) ?? { value: undefined, mod: 0 };
    let cmd: KvCommand;
    let input: SimInput;
    switch (kind) {
      case 'put':
        cmd = { op: 'put', key, value };
        input = { op: 'put', key, value };
        break;
      case 'cas':
        cmd = { op: 'cas', key, expect: known.mod, value };
        input = { op: 'cas', key, expected: known.value, value };
        break;
      case 'delete':
        cmd = { op: 'delete', key };
        input = { op: 'delete', key };
        break;
      case 'get':
        cmd = { op: 'get', key };
        input = { op: 'get', key };
        break;
    }
    const bytes = encodeSimCommand({ client, seq, cmd });
    const what = `c${client}.${seq} ${describe(cmd)} @${member.name}`;
    this.o.trace(`  invoke ${what}`);
    const op = this.o.recorder.invoke(client, input);
    member.node.propose(bytes, { timeoutMs: this.o.timeoutMs }).then(
      (r) => this.onResult(client, member, op, what, cmd, hashBytes(bytes), r),
      (err: unknown) => this.onError(client, op, what, err, true),
    );
  }

  private read(client: number, member: Member, key: string): void {
    const what = `c${client} read ${key} @${member.name}`;
    this.o.trace(`  invoke ${what}`);
    const op = this.o.recorder.invoke(client, { op: 'get', key });
    member.node.read({ timeoutMs: this.o.timeoutMs }).then(
      (index) => {
        if (!member.alive) return this.onError(client, op, what, new Error('node crashed'), false);
        const cur = member.sm.kv.get(key);
        this.learn(key, cur?.value, cur?.mod ?? 0);
        this.done(client, 'ok', `${what} -> ${cur?.value ?? '-'} (read index ${index})`);
        op.ok({ op: 'get', value: cur?.value });
      },
      (err: unknown) => this.onError(client, op, what, err, false),
    );
  }

  private onResult(client: number, member: Member, op: OpenOperation<SimOutput>, what: string, cmd: KvCommand, hash: string, r: KvResult): void {
    if (!member.alive) return this.onError(client, op, what, new Error('node crashed'), true);
    if (r.op !== cmd.op) {
      this.o.monitor.violate(`client ${what} got the result of another command: ${JSON.stringify(r)}`);
      this.done(client, 'unknown', `${what} -> WRONG ${JSON.stringify(r)}`);
      return op.info();
    }
    let output: SimOutput;
    switch (r.op) {
      case 'put':
        this.ack(r.revision, hash, what);
        this.learn(cmd.key, (cmd as { value: string }).value, r.revision);
        output = { op: 'put' };
        break;
      case 'cas':
        if (r.ok) {
          this.ack(r.revision, hash, what);
          this.learn(cmd.key, (cmd as { value: string }).value, r.revision);
        }
        output = { op: 'cas', ok: r.ok };
        break;
      case 'delete':
        this.ack(r.revision, hash, what);
        this.learn(cmd.key, undefined, 0);
        output = { op: 'delete', existed: r.existed };
        break;
      case 'get':
        this.learn(cmd.key, r.value, r.mod);
        output = { op: 'get', value: r.value };
        break;
    }
    this.done(client, 'ok', `${what} -> ${JSON.stringify(r)}`);
    op.ok(output);
  }

  private onError(client: number, op: OpenOperation<SimOutput>, what: string, err: unknown, write: boolean): void {
    const code = FlynnError.is(err) ? err.code : String(err);
    const certain = code === 'FLYNN_RAFT_NOT_LEADER' || code === 'FLYNN_RAFT_PROPOSAL_DROPPED' || code === 'FLYNN_RAFT_READ_INDEX_DROPPED';
    const expected = certain || code === 'FLYNN_RAFT_TIMEOUT' || code === 'FLYNN_RAFT_SHUTDOWN' || code === 'Error: node crashed';
    if (!expected) this.o.monitor.violate(`client ${what} failed unexpectedly: ${code}`);
    if (certain || !write) {
      this.done(client, 'failed', `${what} -> ${code}`);
      return op.fail();
    }
    this.done(client, 'unknown', `${what} -> ${code}`);
    op.info();
  }

  /** A write acknowledged with `index`: the monitor must have seen exactly this command applied there. */
  private ack(index: number, hash: string, what: string): void {
    const at = this.o.monitor.appliedAt(index);
    if (!at || at.hash !== hash) {
      this.o.monitor.violate(`client ${what} was acknowledged at index ${index}, where ${at ? `${at.hash}` : 'nothing'} was applied`);
    }
    this.acked.push({ index, hash, what });
  }

  private learn(key: string, value: string | undefined, mod: number): void {
    this.known.set(key, { value, mod });
  }

  private done(client: number, how: keyof ClientStats, line: string): void {
    this.busy.delete(client);
    this.stats[how]++;
    this.o.trace(`  ${how} ${line}`);
  }
}

function describe(cmd: KvCommand): string {
  switch (cmd.op) {
    case 'put':
      return `put ${cmd.key}=${cmd.value}`;
    case 'cas':
      return `cas ${cmd.key}@${cmd.expect}=${cmd.value}`;
    case 'delete':
      return `delete ${cmd.key}`;
    case 'get':
      return `get ${cmd.key}`;
  }
}

/** Picks one of `items` with probability proportional to its weight. */
export function pickWeighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = random.next() * total;
  for (const [item, w] of items) {
    if (r < w) return item;
    r -= w;
  }
  return items[items.length - 1]![0];
}
