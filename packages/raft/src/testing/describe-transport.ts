/**
 * Conformance suite for {@link Transport} implementations (STYLE.md §5): every
 * transport runs `describeTransport(name, factory)` so the in-memory fake and
 * the real adapters cannot drift apart.
 *
 * The factory builds `n` connected transports (not yet started; each already
 * knows every other one as a peer) and tells the suite how to let time pass:
 * `until(cond)` runs the network until `cond()` holds (advancing a manual
 * clock, or polling in real time), `settle()` runs it long enough that
 * anything in flight would have arrived.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, Message, MessageType, NodeId, Snapshot } from '../core/types.js';
import type { Transport, TransportHandler } from '../transport.js';

export interface TransportCluster {
  /** Node ids, index-aligned with `transports`. */
  ids: readonly NodeId[];
  /** Not started yet; every transport has `addPeer`ed every other one. */
  transports: readonly Transport[];
  /** Runs the network until `cond()` is true; rejects (naming `what`) if it does not become true in time. */
  until(cond: () => boolean, what: string): Promise<void>;
  /** Runs the network long enough that anything in flight would have been delivered or reported. */
  settle(): Promise<void>;
  /** Releases everything; transports may already be closed. */
  dispose(): Promise<void>;
}

export type TransportFactory = (n: number) => Promise<TransportCluster> | TransportCluster;

export interface DescribeTransportOptions {
  /** Known gaps: tests (by name) skipped, with the reason. */
  skip?: ReadonlyArray<{ reason: string; tests: readonly string[] }>;
  /** Per-test timeout for vitest. */
  timeoutMs?: number;
}

/** What a started transport reported to its handler. */
export class RecordingHandler implements TransportHandler {
  readonly delivered: Message[] = [];
  readonly unreachableReports: NodeId[] = [];
  readonly snapshotReports: Array<{ to: NodeId; ok: boolean }> = [];
  deliver(msg: Message): void {
    this.delivered.push(msg);
  }
  unreachable(to: NodeId): void {
    this.unreachableReports.push(to);
  }
  snapshotStatus(to: NodeId, ok: boolean): void {
    this.snapshotReports.push({ to, ok });
  }
}

export const TRANSPORT_TESTS = {
  everyType: 'delivers every message type byte-exact',
  ordering: 'keeps per-peer order for a burst of 1000 messages',
  snapshot: 'delivers a snapshot and reports snapshotStatus(ok)',
  unknownPeer: 'reports an unknown peer as unreachable',
  closedPeer: 'reports a closed peer as unreachable',
  close: 'close() stops sending and receiving',
  largeEntries: 'carries 1 MiB entries',
  noSharing: 'never shares objects between sender and receiver',
} as const;

const MESSAGE_TYPES: readonly MessageType[] = [
  'app', 'app-resp', 'vote', 'vote-resp', 'pre-vote', 'pre-vote-resp', 'heartbeat',
  'heartbeat-resp', 'snap', 'prop', 'read-index', 'read-index-resp', 'timeout-now',
];

/** Deterministic filler bytes (no Math.random: failures must replay). */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A message with every field set to something distinctive. */
export function sampleMessage(type: MessageType, from: NodeId, to: NodeId, n = 1): Message {
  const entries: Entry[] =
    type === 'app' || type === 'prop'
      ? [
          { term: 7, index: n + 1, type: 'normal', data: patternBytes(33, n) },
          { term: 7, index: n + 2, type: 'conf-change', data: new Uint8Array(0) },
        ]
      : [];
  const msg: Message = { type, from, to, term: 7, logTerm: 6, index: n, entries, commit: 2 ** 40 + n, reject: n % 2 === 0, rejectHint: n % 5 };
  if (type === 'snap') msg.snapshot = sampleSnapshot(4096, n);
  if (type === 'heartbeat' || type === 'heartbeat-resp' || type.startsWith('read-index')) msg.context = patternBytes(9, n + 100);
  return msg;
}

export function sampleSnapshot(size: number, seed = 1): Snapshot {
  return { meta: { index: 1000 + seed, term: 7, conf: { voters: ['n0', 'n1', 'nœud-2'], learners: ['l'] } }, data: patternBytes(size, seed) };
}

/**
 * Messages in a form `toEqual` compares quickly and diffs readably: every
 * `Uint8Array` becomes `bytes:<length>:<hex>` (short) or `bytes:<length>:sha256:<digest>`.
 * (vitest compares typed arrays element by element, which takes seconds per MiB.)
 */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const hex = value.byteLength <= 64 ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') : `sha256:${createHash('sha256').update(value).digest('hex')}`;
    return `bytes:${value.byteLength}:${hex}`;
  }
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

export function describeTransport(name: string, factory: TransportFactory, options: DescribeTransportOptions = {}): void {
  const skipped = new Set(options.skip?.flatMap((s) => s.tests) ?? []);
  const test = (title: string, fn: () => Promise<void>) => (skipped.has(title) ? it.skip : it)(title, fn, options.timeoutMs);

  describe(`Transport conformance: ${name}`, () => {
    let cluster: TransportCluster;
    let handlers: RecordingHandler[];
    let ids: readonly NodeId[];
    const t = (i: number) => cluster.transports[i]!;
    const h = (i: number) => handlers[i]!;
    const id = (i: number) => ids[i]!;

    beforeEach(async () => {
      cluster = await factory(3);
      ids = cluster.ids;
      handlers = cluster.transports.map(() => new RecordingHandler());
      await Promise.all(cluster.transports.map((tr, i) => tr.start(h(i))));
    });

    afterEach(async () => {
      await cluster.dispose();
    });

    test(TRANSPORT_TESTS.everyType, async () => {
      const sent = MESSAGE_TYPES.map((type, i) => sampleMessage(type, id(0), id(1), i + 1));
      t(0).send(sent.filter((m) => m.type !== 'snap'));
      t(0).send(sent.filter((m) => m.type === 'snap'));
      await cluster.until(() => h(1).delivered.length >= sent.length, 'all types delivered');
      const byType = (ms: Message[]) => [...ms].sort((a, b) => a.index - b.index);
      expect(comparable(byType(h(1).delivered))).toEqual(comparable(sent));
      await cluster.until(() => h(0).snapshotReports.length > 0, 'snapshot status');
      expect(h(0).snapshotReports).toEqual([{ to: id(1), ok: true }]);
      expect(h(0).unreachableReports).toEqual([]);
    });

    test(TRANSPORT_TESTS.ordering, async () => {
      const burst = (from: number, to: number) => Array.from({ length: 1000 }, (_, i) => ({ ...sampleMessage('app', id(from), id(to), i), entries: [] }));
      const a = burst(0, 1);
      const b = burst(2, 1);
      const c = burst(0, 2);
      let i = 0;
      for (const size of [1, 1, 7, 100, 3, 500, 388]) {
        t(0).send([...a.slice(i, i + size), ...c.slice(i, i + size)]);
        t(2).send(b.slice(i, i + size));
        i += size;
      }
      await cluster.until(() => h(1).delivered.length === 2000 && h(2).delivered.length === 1000, 'bursts delivered');
      const indexes = (ms: Message[], from: NodeId) => ms.filter((m) => m.from === from).map((m) => m.index);
      const expected = Array.from({ length: 1000 }, (_, k) => k);
      expect(indexes(h(1).delivered, id(0))).toEqual(expected);
      expect(indexes(h(1).delivered, id(2))).toEqual(expected);
      expect(indexes(h(2).delivered, id(0))).toEqual(expected);
    });

    test(TRANSPORT_TESTS.snapshot, async () => {
      const msg: Message = { ...sampleMessage('snap', id(0), id(2), 3), snapshot: sampleSnapshot(3 * 1024 * 1024 + 17, 3) };
      t(0).send([msg]);
      await cluster.until(() => h(0).snapshotReports.length > 0, 'snapshot status');
      expect(h(0).snapshotReports).toEqual([{ to: id(2), ok: true }]);
      expect(h(2).delivered).toHaveLength(1);
      expect(comparable(h(2).delivered[0])).toEqual(comparable(msg));
    });

    test(TRANSPORT_TESTS.unknownPeer, async () => {
      t(0).send([sampleMessage('heartbeat', id(0), 'nobody')]);
      t(0).send([sampleMessage('snap', id(0), 'nobody')]);
      await cluster.until(() => h(0).snapshotReports.length > 0 && h(0).unreachableReports.length > 0, 'unreachable reported');
      expect(new Set(h(0).unreachableReports)).toEqual(new Set(['nobody']));
      expect(h(0).snapshotReports).toEqual([{ to: 'nobody', ok: false }]);
    });

    test(TRANSPORT_TESTS.closedPeer, async () => {
      await t(1).close();
      t(0).send([sampleMessage('app', id(0), id(1))]);
      await cluster.until(() => h(0).unreachableReports.includes(id(1)), 'unreachable reported');
      expect(h(1).delivered).toEqual([]);
      t(0).send([sampleMessage('snap', id(0), id(1))]);
      await cluster.until(() => h(0).snapshotReports.length > 0, 'snapshot status');
      expect(h(0).snapshotReports).toEqual([{ to: id(1), ok: false }]);
    });

    test(TRANSPORT_TESTS.close, async () => {
      t(0).send([sampleMessage('vote', id(0), id(2))]);
      await cluster.until(() => h(2).delivered.length === 1, 'first message');
      await t(2).close();
      await t(2).close(); // idempotent
      expect(() => t(2).send([sampleMessage('vote', id(2), id(0))])).not.toThrow();
      t(0).send([sampleMessage('vote', id(0), id(2), 2)]);
      t(1).send([sampleMessage('heartbeat', id(1), id(2))]);
      await cluster.until(() => h(0).unreachableReports.length > 0 && h(1).unreachableReports.length > 0, 'closed peer reported');
      await cluster.settle();
      expect(h(2).delivered).toHaveLength(1);
      expect(h(0).delivered).toEqual([]);
      expect(h(2).unreachableReports).toEqual([]);
    });

    test(TRANSPORT_TESTS.largeEntries, async () => {
      const mib = 1024 * 1024;
      const big: Message = {
        ...sampleMessage('app', id(1), id(0), 40),
        entries: [1, 2, 3].map((k) => ({ term: 7, index: 40 + k, type: 'normal' as const, data: patternBytes(mib, k) })),
      };
      const after = sampleMessage('heartbeat', id(1), id(0), 44);
      t(1).send([big]);
      t(1).send([after]);
      await cluster.until(() => h(0).delivered.length === 2, 'large message delivered');
      expect(h(0).delivered[0]!.entries.map((e) => e.data.byteLength)).toEqual([mib, mib, mib]);
      expect(comparable(h(0).delivered)).toEqual(comparable([big, after]));
    });

    test(TRANSPORT_TESTS.noSharing, async () => {
      const msg = sampleMessage('app', id(0), id(1), 5);
      const copy = structuredClone(msg);
      t(0).send([msg]);
      msg.entries[0]!.data.fill(0);
      msg.term = 99;
      await cluster.until(() => h(1).delivered.length === 1, 'delivered');
      const got = h(1).delivered[0]!;
      expect(comparable(got)).toEqual(comparable(copy));
      expect(got).not.toBe(msg);
      expect(got.entries[0]!.data.buffer).not.toBe(msg.entries[0]!.data.buffer);
    });
  });
}
