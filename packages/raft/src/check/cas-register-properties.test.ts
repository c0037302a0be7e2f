/**
 * casRegisterModel against a real versioned store that behaves as discoverd's
 * `applySetServiceMetaCommand`: every command, failed or not, consumes a raft
 * log index, and a successful write stores that index.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { casRegisterModel, type CasMeta, type CasRegisterInput, type CasRegisterOutput } from './cas-register-model.js';
import { checkOperations } from './check-operations.js';
import { formatCheckResult } from './history.js';
import { isPending, type Operation } from './model.js';

type Op = Operation<CasRegisterInput<string>, CasRegisterOutput<string>>;

interface Action {
  client: number;
  write: boolean;
  /** Which index a write expects: the last one its client saw, 0, or an arbitrary one. */
  expect: 'seen' | 'zero' | number;
  /** Log entries used by other traffic before this command. */
  gap: number;
  timeout: boolean;
}

interface InFlight {
  input: CasRegisterInput<string>;
  call: number;
  output?: CasRegisterOutput<string>;
}

function simulate(actions: readonly Action[], clients: number): Op[] {
  let meta: CasMeta<string> | null = null;
  let logIndex = 0;
  let serial = 0;
  let time = 0;
  const seen: number[] = [];
  const busy: (InFlight | undefined)[] = [];
  const history: Op[] = [];
  const apply = (input: CasRegisterInput<string>, gap: number): CasRegisterOutput<string> => {
    logIndex += 1 + gap;
    if (input.op === 'read') return { op: 'read', meta };
    if (input.index === 0 && meta !== null) return { op: 'write', ok: false, status: 409 };
    if (input.index !== 0 && (meta === null || meta.index !== input.index)) return { op: 'write', ok: false, status: 412 };
    meta = { value: input.value, index: logIndex };
    return { op: 'write', ok: true, index: logIndex };
  };
  for (const a of actions) {
    const clientId = a.client % clients;
    const op = busy[clientId];
    if (op === undefined) {
      const index = a.expect === 'seen' ? (seen[clientId] ?? 0) : a.expect === 'zero' ? 0 : a.expect;
      const input: CasRegisterInput<string> = a.write ? { op: 'write', index, value: `v${serial++}` } : { op: 'read' };
      busy[clientId] = { input, call: time++ };
    } else if (a.timeout) {
      history.push({ clientId, input: op.input, call: op.call, pending: true });
      busy[clientId] = undefined;
    } else if (op.output === undefined) {
      op.output = apply(op.input, a.gap);
    } else {
      const out = op.output;
      if (out.op === 'read' && out.meta) seen[clientId] = out.meta.index;
      if (out.op === 'write' && out.ok) seen[clientId] = out.index;
      history.push({ clientId, input: op.input, call: op.call, return: time++, output: out });
      busy[clientId] = undefined;
    }
  }
  busy.forEach((op, clientId) => op && history.push({ clientId, input: op.input, call: op.call, pending: true }));
  return history;
}

const expectArb = fc.oneof(fc.constant('seen' as const), fc.constant('seen' as const), fc.constant('zero' as const), fc.nat(30));

function runArb(expect: fc.Arbitrary<Action['expect']> = expectArb) {
  return fc.record({
    clients: fc.integer({ min: 1, max: 5 }),
    actions: fc.array(
      fc.record({
        client: fc.nat(9),
        write: fc.boolean(),
        expect,
        gap: fc.nat(3),
        timeout: fc.nat(10).map((n) => n === 0),
      }),
      { maxLength: 100 },
    ),
  });
}

const model = casRegisterModel<string>();

describe('casRegisterModel properties', () => {
  it('accepts every history of a real versioned store, including timed-out writes', () => {
    fc.assert(
      fc.property(runArb(), ({ actions, clients }) => {
        const check = checkOperations(model, simulate(actions, clients));
        if (check.result !== 'ok') expect.fail(formatCheckResult(model, check));
      }),
      { numRuns: 400 },
    );
  });

  it('rejects the history once a read returns a value that was never written', () => {
    fc.assert(
      fc.property(runArb(), fc.nat(), ({ actions, clients }, pick) => {
        const history = simulate(actions, clients);
        const reads = history.flatMap((op, i) => (!isPending(op) && op.output.op === 'read' && op.output.meta ? [i] : []));
        fc.pre(reads.length > 0);
        const i = reads[pick % reads.length]!;
        const op = history[i]!;
        if (isPending(op) || op.output.op !== 'read' || !op.output.meta) throw new Error('unreachable');
        history[i] = { ...op, output: { op: 'read', meta: { value: 'never-written', index: op.output.meta.index } } };
        expect(checkOperations(model, history).result).toBe('illegal');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects the history once a create that conflicted with an earlier acknowledged create claims success', () => {
    fc.assert(
      fc.property(runArb(fc.constantFrom('zero' as const, 'zero' as const, 'seen' as const)), fc.nat(), ({ actions, clients }, pick) => {
        const history = simulate(actions, clients);
        // once a create was acknowledged the register is set for good, so no create called later can succeed
        const created = history.filter((op) => !isPending(op) && op.input.op === 'write' && op.input.index === 0 && op.output.op === 'write' && op.output.ok);
        const firstCreated = Math.min(...created.map((op) => (isPending(op) ? Infinity : op.return)));
        const conflicts = history.flatMap((op, i) =>
          !isPending(op) && op.output.op === 'write' && !op.output.ok && op.output.status === 409 && op.call > firstCreated ? [i] : [],
        );
        fc.pre(conflicts.length > 0);
        const i = conflicts[pick % conflicts.length]!;
        const op = history[i]!;
        if (isPending(op)) throw new Error('unreachable');
        history[i] = { ...op, output: { op: 'write', ok: true, index: 1_000_000 } };
        expect(checkOperations(model, history).result).toBe('illegal');
      }),
      { numRuns: 200 },
    );
  });
});
