/**
 * The event-list form of a history: a sequence of call and return events in
 * the order they happened, matched by `id`, as porcupine's `Event` and
 * Jepsen's invoke/ok records. A call with no return is pending.
 */
import { ValidationError } from '@flynn-ts/core';
import { checkOperations, type CheckOptions, type CheckResult } from './check-operations.js';
import { isPending, type ClientId, type Model, type Operation } from './model.js';

export type EventId = number | string;

export interface CallEvent<I> {
  readonly kind: 'call';
  readonly id: EventId;
  readonly clientId: ClientId;
  readonly value: I;
}

export interface ReturnEvent<O> {
  readonly kind: 'return';
  readonly id: EventId;
  /** Defaults to the matching call's client. */
  readonly clientId?: ClientId;
  readonly value: O;
}

export type Event<I, O> = CallEvent<I> | ReturnEvent<O>;

const INVALID = 'FLYNN_RAFT_CHECK_INVALID_HISTORY';

/**
 * Converts events to operations, using each event's position as its time.
 * Operations come out in the order of their calls; a call without a return is
 * a pending operation. Throws a `ValidationError` for a return without an
 * earlier call, or an id called twice.
 */
export function eventsToOperations<I, O>(events: readonly Event<I, O>[]): Operation<I, O>[] {
  const open = new Map<EventId, { event: CallEvent<I>; time: number; slot: number }>();
  const called = new Set<EventId>();
  const out: (Operation<I, O> | undefined)[] = [];
  events.forEach((e, time) => {
    if (e.kind === 'call') {
      if (called.has(e.id)) throw new ValidationError('events', `event ${time}: id ${String(e.id)} called twice`, { code: INVALID });
      called.add(e.id);
      open.set(e.id, { event: e, time, slot: out.length });
      out.push(undefined);
      return;
    }
    const call = open.get(e.id);
    if (call === undefined) {
      throw new ValidationError('events', `event ${time}: return for id ${String(e.id)} without an open call`, { code: INVALID });
    }
    open.delete(e.id);
    out[call.slot] = { clientId: call.event.clientId, input: call.event.value, call: call.time, return: time, output: e.value };
  });
  for (const { event, time, slot } of open.values()) {
    out[slot] = { clientId: event.clientId, input: event.value, call: time, pending: true };
  }
  return out.map((op) => op!);
}

/**
 * Converts operations to events in time order (calls before returns at equal
 * times, as the checker orders them). Ids are the operations' indices; a
 * pending operation has only its call event.
 */
export function operationsToEvents<I, O>(history: readonly Operation<I, O>[]): Event<I, O>[] {
  const timed: { time: number; isCall: boolean; index: number; event: Event<I, O> }[] = [];
  history.forEach((op, index) => {
    timed.push({ time: op.call, isCall: true, index, event: { kind: 'call', id: index, clientId: op.clientId, value: op.input } });
    if (!isPending(op)) {
      timed.push({ time: op.return, isCall: false, index, event: { kind: 'return', id: index, clientId: op.clientId, value: op.output } });
    }
  });
  timed.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.index - b.index : a.isCall ? -1 : 1));
  return timed.map((t) => t.event);
}

/** {@link checkOperations} for a history in event-list form. */
export function checkEvents<S, I, O>(
  model: Model<S, I, O>,
  events: readonly Event<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  return checkOperations(model, eventsToOperations(events), options);
}
