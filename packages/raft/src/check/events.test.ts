import { describe, expect, it } from 'vitest';
import { checkEvents, eventsToOperations, operationsToEvents, type Event } from './events.js';
import type { Operation } from './model.js';
import { registerModel, type RegisterInput } from './register-model.js';

type In = RegisterInput<number>;
type Out = number | undefined;

describe('events', () => {
  const events: Event<In, Out>[] = [
    { kind: 'call', id: 'a', clientId: 0, value: { op: 'write', value: 1 } },
    { kind: 'call', id: 'b', clientId: 1, value: { op: 'read' } },
    { kind: 'return', id: 'b', value: 1 },
    { kind: 'call', id: 'c', clientId: 2, value: { op: 'write', value: 2 } },
    { kind: 'return', id: 'a', value: undefined },
  ];

  it('converts to operations timed by position, with unreturned calls pending', () => {
    expect(eventsToOperations(events)).toEqual([
      { clientId: 0, input: { op: 'write', value: 1 }, call: 0, return: 4, output: undefined },
      { clientId: 1, input: { op: 'read' }, call: 1, return: 2, output: 1 },
      { clientId: 2, input: { op: 'write', value: 2 }, call: 3, pending: true },
    ]);
  });

  it('round-trips through operationsToEvents', () => {
    const ops = eventsToOperations(events);
    const again = eventsToOperations(operationsToEvents(ops));
    expect(again).toEqual(ops);
  });

  it('orders calls before returns at equal times', () => {
    const ops: Operation<In, Out>[] = [
      { clientId: 0, input: { op: 'write', value: 1 }, call: 0, return: 5, output: undefined },
      { clientId: 1, input: { op: 'read' }, call: 5, return: 6, output: undefined },
    ];
    expect(operationsToEvents(ops).map((e) => `${e.kind}${e.id}`)).toEqual(['call0', 'call1', 'return0', 'return1']);
  });

  it('checks an event history', () => {
    expect(checkEvents(registerModel<number>(), events).result).toBe('ok');
    const stale: Event<In, Out>[] = [...events, { kind: 'call', id: 'd', clientId: 3, value: { op: 'read' } }, { kind: 'return', id: 'd', value: undefined }];
    expect(checkEvents(registerModel<number>(), stale).result).toBe('illegal');
  });

  it('rejects a return without a call and a repeated id', () => {
    expect(() => eventsToOperations<In, Out>([{ kind: 'return', id: 1, value: 1 }])).toThrowError(/without an open call/);
    const call: Event<In, Out> = { kind: 'call', id: 1, clientId: 0, value: { op: 'read' } };
    expect(() => eventsToOperations([call, { kind: 'return', id: 1, value: 1 }, call])).toThrowError(/called twice/);
  });
});
