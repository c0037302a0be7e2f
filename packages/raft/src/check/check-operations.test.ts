import { FlynnError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { checkHistory, checkOperations } from './check-operations.js';
import { formatCheckResult } from './history.js';
import { kvModel, type KvInput, type KvOutput } from './kv-model.js';
import type { Operation } from './model.js';
import { registerModel, type RegisterInput } from './register-model.js';

type RegOp = Operation<RegisterInput<number>, number | undefined>;
const reg = registerModel<number>();

// w(client, value, call, return) / r(client, value read, call, return); return undefined => pending
function w(clientId: number, value: number, call: number, ret?: number): RegOp {
  const input = { op: 'write', value } as const;
  return ret === undefined ? { clientId, input, call, pending: true } : { clientId, input, call, return: ret, output: undefined };
}
function r(clientId: number, value: number | undefined, call: number, ret: number): RegOp {
  return { clientId, input: { op: 'read' }, call, return: ret, output: value };
}

describe('checkOperations: register', () => {
  it('accepts the empty history', () => {
    expect(checkOperations(reg, []).result).toBe('ok');
  });

  it('accepts reads that see the value before and after a concurrent write (porcupine register example)', () => {
    const init0 = registerModel<number>({ initial: 0 });
    const history = [w(0, 100, 0, 100), r(1, 100, 25, 75), r(2, 0, 30, 60)];
    expect(checkOperations(init0, history).result).toBe('ok');
  });

  it('rejects a new-then-old read inversion during a write', () => {
    const init0 = registerModel<number>({ initial: 0 });
    const history = [w(0, 200, 0, 100), r(1, 200, 10, 30), r(2, 0, 40, 90)];
    expect(checkOperations(init0, history).result).toBe('illegal');
  });

  it('rejects a stale read after the write completed, and reports the prefix and the unplaced read', () => {
    const history = [w(0, 1, 0, 10), r(1, undefined, 20, 30)];
    const check = checkOperations(reg, history);
    expect(check.result).toBe('illegal');
    expect(check.info.failure?.verdict).toBe('illegal');
    expect(check.info.failure?.linearized).toEqual([history[0]]);
    expect(check.info.failure?.unplaced).toEqual([history[1]]);
  });

  it('accepts a read of either of two overlapping writes, and nothing else', () => {
    const writes = [w(0, 1, 0, 10), w(1, 2, 5, 15)];
    expect(checkOperations(reg, [...writes, r(2, 1, 20, 30)]).result).toBe('ok');
    expect(checkOperations(reg, [...writes, r(2, 2, 20, 30)]).result).toBe('ok');
    expect(checkOperations(reg, [...writes, r(2, 3, 20, 30)]).result).toBe('illegal');
    expect(checkOperations(reg, [...writes, r(2, undefined, 20, 30)]).result).toBe('illegal');
  });

  it('rejects two later reads that disagree on which overlapping write won', () => {
    const writes = [w(0, 1, 0, 10), w(1, 2, 5, 15)];
    expect(checkOperations(reg, [...writes, r(2, 1, 20, 30), r(3, 2, 40, 50)]).result).toBe('illegal');
    expect(checkOperations(reg, [...writes, r(2, 2, 20, 30), r(3, 1, 40, 50)]).result).toBe('illegal');
  });

  it('accepts a read concurrent with a write that returns the value written', () => {
    expect(checkOperations(reg, [w(0, 1, 0, 10), r(1, 1, 0, 1)]).result).toBe('ok');
  });

  it('treats operations that touch at an instant as concurrent', () => {
    // the read is called at the instant the write returns: either order is allowed
    expect(checkOperations(reg, [w(0, 1, 0, 10), r(1, undefined, 10, 20)]).result).toBe('ok');
    expect(checkOperations(reg, [w(0, 1, 0, 10), r(1, undefined, 11, 20)]).result).toBe('illegal');
  });

  it('accepts a pending (timed-out) write that is observed later', () => {
    expect(checkOperations(reg, [w(0, 1, 0), r(1, undefined, 5, 6), r(1, 1, 100, 110)]).result).toBe('ok');
  });

  it('accepts a pending write that is never observed', () => {
    expect(checkOperations(reg, [w(0, 1, 0), r(1, undefined, 10, 20), r(2, undefined, 100, 110)]).result).toBe('ok');
  });

  it('accepts return: Infinity as pending, whatever the output says', () => {
    const op: RegOp = { clientId: 0, input: { op: 'read' }, call: 0, return: Infinity, output: 42 };
    expect(checkOperations(reg, [op]).result).toBe('ok');
  });

  it('rejects a pending write that was observed and then un-observed', () => {
    expect(checkOperations(reg, [w(0, 1, 0), r(1, 1, 10, 20), r(2, undefined, 30, 40)]).result).toBe('illegal');
  });

  it('rejects a read of a pending write that was called only after the read returned', () => {
    expect(checkOperations(reg, [r(0, 1, 0, 10), w(1, 1, 20)]).result).toBe('illegal');
  });

  it('rejects a lost acknowledged write', () => {
    const history = [w(0, 1, 0, 10), w(1, 2, 20, 30), r(2, 1, 40, 50)];
    expect(checkOperations(reg, history).result).toBe('illegal');
  });

  it('returns a valid linearization for an ok history', () => {
    const history = [w(0, 1, 0, 10), w(1, 2, 5, 15), r(2, 1, 20, 30)];
    const check = checkOperations(reg, history);
    expect(check.result).toBe('ok');
    expect(check.info.partitions).toHaveLength(1);
    expect(check.info.partitions[0]?.linearized).toEqual([history[1], history[0], history[2]]);
  });

  it('renders a failure report', () => {
    const history = [w(0, 1, 0, 10), r(1, undefined, 20, 30)];
    const text = formatCheckResult(reg, checkOperations(reg, history));
    expect(text).toContain('result: illegal');
    expect(text).toContain('write(1)   => 1');
    expect(text).toMatch(/^!.*read\(\) -> undefined$/m);
  });
});

describe('checkOperations: kv and CAS', () => {
  type KvOp = Operation<KvInput<number>, KvOutput<number>>;
  const kv = kvModel<number>();
  const put = (c: number, key: string, value: number, call: number, ret: number): KvOp => ({
    clientId: c, input: { op: 'put', key, value }, call, return: ret, output: { op: 'put' },
  });
  const get = (c: number, key: string, value: number | undefined, call: number, ret: number): KvOp => ({
    clientId: c, input: { op: 'get', key }, call, return: ret, output: { op: 'get', value },
  });
  const cas = (c: number, key: string, expected: number | undefined, value: number, ok: boolean, call: number, ret: number): KvOp => ({
    clientId: c, input: { op: 'cas', key, expected, value }, call, return: ret, output: { op: 'cas', ok },
  });

  it('accepts two concurrent CAS on the same expected value with exactly one winner', () => {
    const history = [put(0, 'x', 0, 0, 1), cas(1, 'x', 0, 1, true, 10, 20), cas(2, 'x', 0, 2, false, 12, 22), get(3, 'x', 1, 30, 31)];
    expect(checkOperations(kv, history).result).toBe('ok');
  });

  it('rejects two winners on the same expected value', () => {
    const history = [put(0, 'x', 0, 0, 1), cas(1, 'x', 0, 1, true, 10, 20), cas(2, 'x', 0, 2, true, 12, 22)];
    expect(checkOperations(kv, history).result).toBe('illegal');
  });

  it('rejects two losers when nothing else changed the value', () => {
    const history = [put(0, 'x', 0, 0, 1), cas(1, 'x', 0, 1, false, 10, 20), cas(2, 'x', 0, 2, false, 12, 22)];
    expect(checkOperations(kv, history).result).toBe('illegal');
  });

  it("rejects a later read of the loser's value", () => {
    const history = [put(0, 'x', 0, 0, 1), cas(1, 'x', 0, 1, true, 10, 20), cas(2, 'x', 0, 2, false, 12, 22), get(3, 'x', 2, 30, 31)];
    expect(checkOperations(kv, history).result).toBe('illegal');
  });

  it('treats CAS with expected undefined as create-if-absent', () => {
    expect(checkOperations(kv, [cas(0, 'x', undefined, 1, true, 0, 1), get(1, 'x', 1, 2, 3)]).result).toBe('ok');
    expect(checkOperations(kv, [put(0, 'x', 5, 0, 1), cas(1, 'x', undefined, 1, true, 2, 3)]).result).toBe('illegal');
  });

  it('accepts a pending CAS observed later, but not one whose comparison could not succeed', () => {
    const pendingCas: KvOp = { clientId: 1, input: { op: 'cas', key: 'x', expected: 0, value: 7 }, call: 10, pending: true };
    expect(checkOperations(kv, [put(0, 'x', 0, 0, 1), pendingCas, get(2, 'x', 7, 50, 60)]).result).toBe('ok');
    expect(checkOperations(kv, [put(0, 'x', 3, 0, 1), pendingCas, get(2, 'x', 7, 50, 60)]).result).toBe('illegal');
  });

  it('checks keys independently and reports the failing partition', () => {
    const history = [put(0, 'a', 1, 0, 10), put(1, 'b', 1, 0, 10), get(2, 'a', 1, 20, 30), get(3, 'b', 2, 20, 30), put(4, 'c', 1, 0, 1)];
    const check = checkOperations(kv, history);
    expect(check.result).toBe('illegal');
    expect(check.info.partitions.map((p) => p.verdict)).toEqual(['ok', 'illegal', 'skipped']);
    expect(check.info.failure?.operations).toEqual([history[1], history[3]]);
    expect(check.info.failure?.unplaced).toEqual([history[3]]);
  });

  it('rejects an output that does not match its input', () => {
    const bad: KvOp = { clientId: 0, input: { op: 'get', key: 'x' }, call: 0, return: 1, output: { op: 'put' } };
    expect(checkOperations(kv, [bad]).result).toBe('illegal');
  });

  it('checks delete and its optional existed flag', () => {
    const del = (existed: boolean | undefined, call: number): KvOp => ({
      clientId: 1, input: { op: 'delete', key: 'x' }, call, return: call + 1,
      output: existed === undefined ? { op: 'delete' } : { op: 'delete', existed },
    });
    expect(checkOperations(kv, [put(0, 'x', 1, 0, 1), del(true, 2), get(2, 'x', undefined, 4, 5)]).result).toBe('ok');
    expect(checkOperations(kv, [put(0, 'x', 1, 0, 1), del(undefined, 2), get(2, 'x', 1, 4, 5)]).result).toBe('illegal');
    expect(checkOperations(kv, [del(false, 0)]).result).toBe('ok');
    expect(checkOperations(kv, [del(true, 0)]).result).toBe('illegal');
  });
});

describe('checkOperations: timeouts and validation', () => {
  it("answers 'unknown' when the deadline has already passed, without searching", () => {
    let t = 0;
    const check = checkOperations(reg, [w(0, 1, 0, 10)], { timeoutMs: 0, now: () => t++ });
    expect(check.result).toBe('unknown');
    expect(check.info.failure?.verdict).toBe('unknown');
  });

  it('never reads the clock without a timeout', () => {
    const now = () => {
      throw new Error('clock read');
    };
    expect(checkOperations(reg, [w(0, 1, 0, 10)], { now }).result).toBe('ok');
  });

  it('stops when shouldStop answers true', () => {
    expect(checkHistory(reg, [w(0, 1, 0, 10)], () => true).result).toBe('unknown');
  });

  it('rejects a return before its call, and a non-finite call', () => {
    const backwards: RegOp = { clientId: 0, input: { op: 'read' }, call: 10, return: 5, output: 1 };
    expect(() => checkOperations(reg, [backwards])).toThrowError(/before its call/);
    try {
      checkOperations(reg, [{ ...backwards, call: NaN }]);
      expect.unreachable();
    } catch (err) {
      expect(FlynnError.is(err) && err.code).toBe('FLYNN_RAFT_CHECK_INVALID_HISTORY');
    }
  });

  it('rejects a partition function that loses operations', () => {
    const lossy = { ...reg, partition: (h: readonly RegOp[]) => [h.slice(1)] };
    expect(() => checkOperations(lossy, [w(0, 1, 0, 1), w(0, 2, 2, 3)])).toThrowError(/exactly one partition/);
  });
});
