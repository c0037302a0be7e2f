import { describe, expect, it } from 'vitest';
import { casRegisterModel, type CasRegisterInput, type CasRegisterOutput } from './cas-register-model.js';
import { checkOperations } from './check-operations.js';
import { formatHistory } from './history.js';
import type { Operation } from './model.js';

type Op = Operation<CasRegisterInput<string>, CasRegisterOutput<string>>;
const model = casRegisterModel<string>();

let clock = 0;
/** Sequential helpers: each op gets its own [call, return] unless given. */
const span = (at?: [number, number]): [number, number] => at ?? [(clock += 10), clock + 5];
function write(value: string, index: number, out: number | 409 | 412 | 'pending', at?: [number, number], key?: string): Op {
  const [call, ret] = span(at);
  const input: CasRegisterInput<string> = key === undefined ? { op: 'write', index, value } : { op: 'write', key, index, value };
  if (out === 'pending') return { clientId: 0, input, call, pending: true };
  const output: CasRegisterOutput<string> =
    out === 409 || out === 412 ? { op: 'write', ok: false, status: out } : { op: 'write', ok: true, index: out };
  return { clientId: 0, input, call, return: ret, output };
}
function read(meta: [string, number] | null, at?: [number, number], key?: string): Op {
  const [call, ret] = span(at);
  const input: CasRegisterInput<string> = key === undefined ? { op: 'read' } : { op: 'read', key };
  return { clientId: 1, input, call, return: ret, output: { op: 'read', meta: meta && { value: meta[0], index: meta[1] } } };
}
const check = (...ops: Op[]) => checkOperations(model, ops).result;

describe('casRegisterModel (discoverd service metadata)', () => {
  it('accepts create, read, replace-by-index, read', () => {
    expect(check(read(null), write('a', 0, 5), read(['a', 5]), write('b', 5, 9), read(['b', 9]))).toBe('ok');
  });

  it('answers 409 to a create when set, and 412 to a replace when absent or at another index', () => {
    expect(check(write('a', 0, 5), write('b', 0, 409))).toBe('ok');
    expect(check(write('a', 0, 5), write('b', 0, 412))).toBe('illegal');
    expect(check(write('a', 3, 412))).toBe('ok');
    expect(check(write('a', 3, 409))).toBe('illegal');
    expect(check(write('a', 0, 5), write('b', 4, 412), read(['a', 5]))).toBe('ok');
    expect(check(write('a', 0, 5), write('b', 4, 7))).toBe('illegal');
  });

  it('requires a new index larger than the current one', () => {
    expect(check(write('a', 0, 5), write('b', 5, 5))).toBe('illegal');
    expect(check(write('a', 0, 0))).toBe('illegal');
  });

  it('rejects a read with the right value at the wrong index', () => {
    expect(check(write('a', 0, 5), read(['a', 6]))).toBe('illegal');
  });

  it('accepts exactly one winner among concurrent writers at the same index', () => {
    const base = write('a', 0, 5, [0, 1]);
    expect(check(base, write('b', 5, 8, [10, 20]), write('c', 5, 412, [11, 21]), read(['b', 8], [30, 31]))).toBe('ok');
    expect(check(base, write('b', 5, 8, [10, 20]), write('c', 5, 9, [11, 21]))).toBe('illegal');
  });

  it('accepts a pending create that a later read reveals, and a write against the revealed index', () => {
    expect(check(write('a', 0, 'pending'), read(null), read(['a', 7]), write('b', 7, 12), read(['b', 12]))).toBe('ok');
  });

  it('accepts a write against the unseen index of a pending write', () => {
    expect(check(write('a', 0, 5), write('b', 5, 'pending'), write('c', 6, 10), read(['c', 10]))).toBe('ok');
    // but not an index at or below the one the pending write replaced
    expect(check(write('a', 0, 5), write('b', 5, 'pending'), read(['b', 5]))).toBe('illegal');
  });

  it('accepts a pending create that lost to another create', () => {
    expect(check(write('a', 0, 'pending', [0, 0]), write('b', 0, 5, [10, 20]), read(['b', 5], [30, 40]))).toBe('ok');
  });

  it('checks registers with different keys independently', () => {
    const ops = [write('a', 0, 5, undefined, 's1'), write('b', 0, 6, undefined, 's2'), read(['a', 5], undefined, 's1'), read(['b', 6], undefined, 's2')];
    const result = checkOperations(model, ops);
    expect(result.result).toBe('ok');
    expect(result.info.partitions).toHaveLength(2);
  });

  it('describes operations', () => {
    const text = formatHistory([write('a', 0, 5, [0, 1], 's'), write('b', 5, 412, [2, 3]), read(['a', 5], [4, 5])], { model });
    expect(text).toContain('write("s", "a", index=0) -> ok index=5');
    expect(text).toContain('write("b", index=5) -> 412');
    expect(text).toContain('read() -> "a"@5');
  });
});
