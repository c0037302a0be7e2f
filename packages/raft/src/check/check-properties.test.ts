/**
 * Properties of the checker:
 * - histories produced by really running a sequential map under concurrent
 *   clients (with timeouts) are 'ok', and the linearization returned is valid;
 * - the same histories with a read of a value never written, or a read of a
 *   write that started after the read returned, are 'illegal';
 * - on small random histories the checker agrees with a brute-force search.
 */
import { seededRandom } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory, checkOperations, type CheckResult } from './check-operations.js';
import { formatCheckResult } from './history.js';
import { kvModel, type KvInput, type KvOutput } from './kv-model.js';
import { isPending, outputOf, returnOf, type Model, type Operation } from './model.js';
import { registerModel, type RegisterInput } from './register-model.js';

type KvOp = Operation<KvInput<string>, KvOutput<string>>;

interface Action {
  client: number;
  kind: 'get' | 'put' | 'cas' | 'delete';
  key: number;
  /** The client gives up on its operation now (before or after it took effect). */
  timeout: boolean;
  /** A cas expects an old value instead of the value current at invocation. */
  stale: number | undefined;
}

interface InFlight {
  input: KvInput<string>;
  call: number;
  output?: KvOutput<string>;
}

/**
 * Runs `actions` against a real Map. Each action advances one client: an idle
 * client invokes an operation, an invoked one takes effect (atomically, on the
 * map), an applied one returns. Timestamps count invocations and returns, so
 * every operation takes effect between its call and its return.
 */
function simulate(actions: readonly Action[], clients: number, keys: number): KvOp[] {
  const store = new Map<string, string>();
  const written: string[] = [];
  const busy: (InFlight | undefined)[] = [];
  const history: KvOp[] = [];
  let time = 0;
  let serial = 0;
  const fresh = () => `v${serial++}`;
  for (const a of actions) {
    const clientId = a.client % clients;
    const op = busy[clientId];
    if (op === undefined) {
      const key = `k${a.key % keys}`;
      busy[clientId] = { input: makeInput(a, key, store, written, fresh), call: time++ };
    } else if (a.timeout) {
      history.push({ clientId, input: op.input, call: op.call, pending: true });
      busy[clientId] = undefined;
    } else if (op.output === undefined) {
      op.output = apply(store, op.input, written);
    } else {
      history.push({ clientId, input: op.input, call: op.call, return: time++, output: op.output });
      busy[clientId] = undefined;
    }
  }
  busy.forEach((op, clientId) => op && history.push({ clientId, input: op.input, call: op.call, pending: true }));
  return history;
}

function makeInput(a: Action, key: string, store: Map<string, string>, written: string[], fresh: () => string): KvInput<string> {
  switch (a.kind) {
    case 'get':
      return { op: 'get', key };
    case 'put':
      return { op: 'put', key, value: fresh() };
    case 'delete':
      return { op: 'delete', key };
    case 'cas': {
      const expected = a.stale === undefined ? store.get(key) : written[a.stale % (written.length + 1)];
      return { op: 'cas', key, expected, value: fresh() };
    }
  }
}

function apply(store: Map<string, string>, input: KvInput<string>, written: string[]): KvOutput<string> {
  switch (input.op) {
    case 'get':
      return { op: 'get', value: store.get(input.key) };
    case 'put':
      store.set(input.key, input.value);
      written.push(input.value);
      return { op: 'put' };
    case 'delete':
      return { op: 'delete', existed: store.delete(input.key) };
    case 'cas': {
      const ok = store.get(input.key) === input.expected;
      if (ok) {
        store.set(input.key, input.value);
        written.push(input.value);
      }
      return { op: 'cas', ok };
    }
  }
}

const actionArb: fc.Arbitrary<Action> = fc.record({
  client: fc.nat(9),
  kind: fc.constantFrom('get', 'get', 'put', 'put', 'cas', 'delete'),
  key: fc.nat(3),
  timeout: fc.nat(15).map((n) => n === 0),
  stale: fc.option(fc.nat(20), { nil: undefined }),
});

const runArb = fc.record({
  clients: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 3 }),
  actions: fc.array(actionArb, { maxLength: 120 }),
});

const kv = kvModel<string>();

/** The linearization in each ok partition is legal, complete and respects real time. */
function expectValidWitness<S, I, O>(model: Model<S, I, O>, check: CheckResult<I, O>): void {
  for (const p of check.info.partitions) {
    expect(p.verdict).toBe('ok');
    expect(witnessProblems(model, p.operations, p.linearized)).toEqual([]);
  }
}

function witnessProblems<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], order: readonly Operation<I, O>[]): string[] {
  const problems: string[] = [];
  const placed = new Set(order);
  if (placed.size !== order.length) problems.push('an operation is placed twice');
  if (ops.some((op) => !isPending(op) && !placed.has(op))) problems.push('a completed operation is missing');
  let state = model.init();
  order.forEach((op, i) => {
    const step = model.step(state, op.input, outputOf(op));
    if (!step.ok) problems.push(`step ${i} is illegal`);
    state = step.state;
  });
  // real time: nothing placed later may have returned before an earlier operation was called
  order.forEach((a, i) => {
    for (let j = i + 1; j < order.length; j++) if (returnOf(order[j]!) < a.call) problems.push(`${j} returned before ${i} was called`);
  });
  return problems;
}

function completedGets(history: readonly KvOp[]): number[] {
  return history.flatMap((op, i) => (op.input.op === 'get' && !isPending(op) ? [i] : []));
}

function withOutput(op: KvOp, value: string): KvOp {
  if (isPending(op)) throw new Error('not completed');
  return { ...op, output: { op: 'get', value } };
}

describe('checkOperations properties (kv)', () => {
  it('accepts every history of a real sequential map, with a valid linearization', () => {
    fc.assert(
      fc.property(runArb, ({ actions, clients, keys }) => {
        const history = simulate(actions, clients, keys);
        const check = checkOperations(kv, history);
        if (check.result !== 'ok') expect.fail(formatCheckResult(kv, check));
        expectValidWitness(kv, check);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects the history once a read returns a value that was never written', () => {
    fc.assert(
      fc.property(runArb, fc.nat(), ({ actions, clients, keys }, pick) => {
        const history = simulate(actions, clients, keys);
        const gets = completedGets(history);
        fc.pre(gets.length > 0);
        const i = gets[pick % gets.length]!;
        history[i] = withOutput(history[i]!, 'never-written');
        expect(checkOperations(kv, history).result).toBe('illegal');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects the history once a read sees a write that began after the read returned', () => {
    fc.assert(
      fc.property(runArb, fc.nat(), ({ actions, clients, keys }, pick) => {
        const history = simulate(actions, clients, keys);
        const pairs: [number, string][] = [];
        for (const g of completedGets(history)) {
          const read = history[g]!;
          for (const w of history) {
            const future = w.input.op === 'put' || w.input.op === 'cas' ? w.input.value : undefined;
            if (future !== undefined && w.input.key === read.input.key && w.call > returnOf(read)) pairs.push([g, future]);
          }
        }
        fc.pre(pairs.length > 0);
        const [g, future] = pairs[pick % pairs.length]!;
        history[g] = withOutput(history[g]!, future);
        expect(checkOperations(kv, history).result).toBe('illegal');
      }),
      { numRuns: 200 },
    );
  });

  it('checks a 1000-operation history of 10 clients on 5 keys', () => {
    const random = seededRandom(20240601);
    const kinds = ['get', 'get', 'put', 'put', 'cas', 'delete'] as const;
    const actions: Action[] = Array.from({ length: 3600 }, () => ({
      client: random.int(10),
      kind: random.pick(kinds),
      key: random.int(5),
      timeout: random.chance(0.03),
      stale: random.chance(0.5) ? random.int(50) : undefined,
    }));
    const history = simulate(actions, 10, 5);
    expect(history.length).toBeGreaterThanOrEqual(1000);
    const check = checkOperations(kv, history);
    expect(check.result).toBe('ok');
    expect(check.info.partitions).toHaveLength(5);
    expectValidWitness(kv, check);

    // abandoned mid-search: on one key (one partition of 1000+ operations, so more than
    // POLL_INTERVAL steps), the first poll (before the partition) passes and the next one stops
    let polls = 0;
    const stopped = checkHistory(kv, simulate(actions, 10, 1), () => ++polls > 1);
    expect(stopped.result).toBe('unknown');
    expect(polls).toBe(2);
    expect(stopped.info.failure?.linearized.length).toBeGreaterThan(0);
    let t = 0;
    expect(checkOperations(kv, history, { timeoutMs: 1.5, now: () => t++ }).result).toBe('unknown');

    const gets = completedGets(history);
    history[gets[gets.length >> 1]!] = withOutput(history[gets[gets.length >> 1]!]!, 'never-written');
    expect(checkOperations(kv, history, { timeoutMs: 20_000 }).result).not.toBe('ok');
  });
});

// ---------------------------------------------------------------------------
// Agreement with brute force on small random histories.

/** Tries every order of the operations that respects real time; pending operations may be left out. */
function bruteForce<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[]): boolean {
  const partitions = model.partition ? model.partition(history) : [history];
  return partitions.every((ops) => extend(model, ops, new Set(), model.init()));
}

function extend<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], done: Set<number>, state: S): boolean {
  if (ops.every((op, i) => done.has(i) || isPending(op))) return true;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (done.has(i)) continue;
    if (ops.some((p, j) => j !== i && !done.has(j) && returnOf(p) < op.call)) continue;
    const step = model.step(state, op.input, outputOf(op));
    if (!step.ok) continue;
    done.add(i);
    if (extend(model, ops, done, step.state)) return true;
    done.delete(i);
  }
  return false;
}

const timing = fc.record({ call: fc.nat(12), duration: fc.nat(8), pending: fc.nat(6).map((n) => n === 0) });

function timed<I, O>(t: { call: number; duration: number; pending: boolean }, clientId: number, input: I, output: O): Operation<I, O> {
  if (t.pending) return { clientId, input, call: t.call, pending: true };
  return { clientId, input, call: t.call, return: t.call + t.duration, output };
}

const small = fc.nat(2);
const regOpArb = fc.tuple(timing, fc.boolean(), small, fc.option(small, { nil: undefined })).map(([t, isWrite, value, read]) =>
  isWrite
    ? timed<RegisterInput<number>, number | undefined>(t, 0, { op: 'write', value }, undefined)
    : timed<RegisterInput<number>, number | undefined>(t, 0, { op: 'read' }, read),
);

const kvOpArb: fc.Arbitrary<Operation<KvInput<number>, KvOutput<number>>> = fc
  .tuple(timing, fc.constantFrom('get', 'put', 'cas', 'delete'), fc.constantFrom('a', 'b'), small, fc.option(small, { nil: undefined }), fc.boolean())
  .map(([t, kind, key, value, other, flag]) => {
    switch (kind) {
      case 'get':
        return timed(t, 0, { op: 'get', key }, { op: 'get', value: other });
      case 'put':
        return timed(t, 0, { op: 'put', key, value }, { op: 'put' });
      case 'cas':
        return timed(t, 0, { op: 'cas', key, expected: other, value }, { op: 'cas', ok: flag });
      default:
        return timed(t, 0, { op: 'delete', key }, { op: 'delete', existed: flag });
    }
  });

describe('checkOperations agrees with brute force', () => {
  it('on small register histories', () => {
    const model = registerModel<number>();
    // the same model with the cache keyed by `hash`, and with the default structural `equal`
    const { equal: _equal, ...plain } = model;
    const hashed: typeof model = { ...plain, hash: (s) => String(s) };
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(fc.array(regOpArb, { maxLength: 7 }), (history) => {
        const expected = bruteForce(model, history);
        seen[expected ? 'ok' : 'illegal']++;
        const check = checkOperations(model, history);
        expect(check.result).toBe(expected ? 'ok' : 'illegal');
        if (expected) expectValidWitness(model, check);
        expect(checkOperations(hashed, history).result).toBe(check.result);
        expect(checkOperations(plain, history).result).toBe(check.result);
      }),
      { numRuns: 1500 },
    );
    // both verdicts must be common, or the agreement proves little
    expect(Math.min(seen.ok, seen.illegal)).toBeGreaterThan(150);
  });

  it('on small two-key kv histories with cas and delete', () => {
    const model = kvModel<number>();
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(fc.array(kvOpArb, { maxLength: 8 }), (history) => {
        const expected = bruteForce(model, history);
        seen[expected ? 'ok' : 'illegal']++;
        const check = checkOperations(model, history);
        expect(check.result).toBe(expected ? 'ok' : 'illegal');
        if (expected) expectValidWitness(model, check);
      }),
      { numRuns: 1500 },
    );
    // both verdicts must be common, or the agreement proves little
    expect(Math.min(seen.ok, seen.illegal)).toBeGreaterThan(150);
  });
});
