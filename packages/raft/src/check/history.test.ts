import { InvariantError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { checkOperations } from './check-operations.js';
import { formatHistory, HistoryRecorder } from './history.js';
import { registerModel, type RegisterInput } from './register-model.js';

type In = RegisterInput<number>;
type Out = number | undefined;

describe('HistoryRecorder', () => {
  it('records ok, drops fail, keeps info and open operations as pending', () => {
    let t = 100;
    const rec = new HistoryRecorder<In, Out>({ now: () => (t += 10) });
    const a = rec.invoke('a', { op: 'write', value: 1 }); // 110
    const b = rec.invoke('b', { op: 'write', value: 2 }); // 120
    const c = rec.invoke('c', { op: 'write', value: 3 }); // 130
    rec.invoke('d', { op: 'read' }); // 140, never completed
    a.ok(undefined); // 150
    b.fail();
    c.info();
    expect(rec.operations()).toEqual([
      { clientId: 'a', input: { op: 'write', value: 1 }, call: 110, return: 150, output: undefined },
      { clientId: 'c', input: { op: 'write', value: 3 }, call: 130, pending: true },
      { clientId: 'd', input: { op: 'read' }, call: 140, pending: true },
    ]);
  });

  it('uses a logical clock by default, which orders events as they were recorded', () => {
    const rec = new HistoryRecorder<In, Out>();
    const w = rec.invoke(0, { op: 'write', value: 1 });
    w.ok(undefined);
    const r = rec.invoke(1, { op: 'read' });
    r.ok(undefined); // stale: the write completed before the read began
    expect(rec.operations().map((op) => [op.call, op.return])).toEqual([[0, 1], [2, 3]]);
    expect(checkOperations(registerModel<number>(), rec.operations()).result).toBe('illegal');
  });

  it('refuses to complete an operation twice', () => {
    const rec = new HistoryRecorder<In, Out>();
    const op = rec.invoke(0, { op: 'read' });
    op.ok(1);
    expect(() => op.info()).toThrowError(InvariantError);
  });
});

describe('formatHistory', () => {
  it('prints one aligned line per operation in call order, with ? for pending', () => {
    const text = formatHistory<In, Out>(
      [
        { clientId: 'b', input: { op: 'read' }, call: 5, return: 7, output: 1 },
        { clientId: 'a', input: { op: 'write', value: 1 }, call: 0, pending: true },
      ],
      { model: registerModel<number>() },
    );
    expect(text).toBe(
      ['   #  client  call  return  operation', '   1  a       0     ?       write(1)', '   0  b       5     7       read() -> 1'].join('\n'),
    );
  });

  it('falls back to JSON without a model and marks highlighted operations', () => {
    const op = { clientId: 0, input: { op: 'read' }, call: 0, return: 1, output: 2 } as const;
    expect(formatHistory([op], { highlight: [op] })).toContain('!  0  0       0     1       {"op":"read"} -> 2');
  });
});
