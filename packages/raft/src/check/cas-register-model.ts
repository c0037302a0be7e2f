/**
 * A versioned compare-and-set register, as discoverd's service metadata
 * (`SetServiceMeta` / `ServiceMeta` in the original Flynn): every successful
 * write stores `{ value, index }` where `index` is the raft log index of the
 * command that wrote it, and a write names the index it expects to replace.
 *
 * Rules of the original `applySetServiceMetaCommand`:
 * - expected index 0 means "create": fails with 409 (object_exists) if set;
 * - expected index n > 0 means "replace version n": fails with 412
 *   (precondition_failed) if not set, or set at a different index;
 * - on success the new index is the command's log index, so it is larger
 *   than every index the register had before.
 */
import { deepEqual } from './deep-equal.js';
import { formatValue } from './format-value.js';
import { UNKNOWN, partitionBy, type Model, type StepResult, type Unknown } from './model.js';

/** `key` names the register (discoverd: the service); operations without one share a register. */
export type CasRegisterInput<V> =
  | { readonly op: 'read'; readonly key?: string }
  | { readonly op: 'write'; readonly key?: string; readonly index: number; readonly value: V };

export interface CasMeta<V> {
  readonly value: V;
  readonly index: number;
}

/**
 * - read: the stored meta, or `null` when it was never set (discoverd: 404).
 * - write: the new index, or the failure status.
 */
export type CasRegisterOutput<V> =
  | { readonly op: 'read'; readonly meta: CasMeta<V> | null }
  | { readonly op: 'write'; readonly ok: true; readonly index: number }
  | { readonly op: 'write'; readonly ok: false; readonly status: 409 | 412 };

/**
 * The register's state. After a pending write that took effect, the new index
 * was never observed: `unknown-index` records only that it exceeds `above`,
 * until a read or a successful write reveals it.
 */
export type CasRegisterState<V> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'set'; readonly value: V; readonly index: number }
  | { readonly kind: 'unknown-index'; readonly value: V; readonly above: number };

export interface CasRegisterModelOptions<V> {
  /** Compares values. Default {@link deepEqual}. */
  equal?: (a: V, b: V) => boolean;
}

/**
 * The versioned CAS register model, partitioned by `key`.
 *
 * - read: legal iff it returns the current value and index (or `null` when
 *   absent). With an unknown index, any index above the bound is accepted and
 *   becomes known.
 * - write: legal iff its outcome (success with an index larger than the
 *   current one, 409, or 412) is what the rules above give. A 412 against an
 *   unknown index is accepted (the index could be anything above the bound).
 * - pending write: may take effect only where it would succeed; it then
 *   leaves the index unknown. A pending read is never placed.
 */
export function casRegisterModel<V>(
  options: CasRegisterModelOptions<V> = {},
): Model<CasRegisterState<V>, CasRegisterInput<V>, CasRegisterOutput<V>> {
  const eq = options.equal ?? deepEqual;
  return {
    init: () => ({ kind: 'absent' }),
    step: (state, input, output) => (input.op === 'read' ? stepRead(eq, state, output) : stepWrite(state, input, output)),
    equal: (a, b) => stateEqual(eq, a, b),
    partition: (history) => partitionBy(history, (input) => input.key ?? ''),
    describeOperation: describeCas,
    describeState: (state) => {
      if (state.kind === 'absent') return 'absent';
      const index = state.kind === 'set' ? String(state.index) : `>${state.above}`;
      return `${formatValue(state.value)}@${index}`;
    },
  };
}

type State<V> = CasRegisterState<V>;

function stepRead<V>(eq: (a: V, b: V) => boolean, state: State<V>, output: CasRegisterOutput<V> | Unknown): StepResult<State<V>> {
  const no = { ok: false, state };
  if (output === UNKNOWN || output.op !== 'read') return no;
  const { meta } = output;
  if (state.kind === 'absent' || meta === null) return { ok: state.kind === 'absent' && meta === null, state };
  if (!eq(state.value, meta.value)) return no;
  if (state.kind === 'set') return { ok: state.index === meta.index, state };
  return meta.index > state.above ? { ok: true, state: { kind: 'set', value: state.value, index: meta.index } } : no;
}

function stepWrite<V>(
  state: State<V>,
  input: { readonly index: number; readonly value: V },
  output: CasRegisterOutput<V> | Unknown,
): StepResult<State<V>> {
  const no = { ok: false, state };
  if (output !== UNKNOWN && output.op !== 'write') return no;
  const expected = input.index;
  const outcome = writeOutcome(state, expected);
  if (output === UNKNOWN) {
    if (outcome.succeeds === 'no') return no;
    const above = state.kind === 'absent' ? 0 : expected;
    return { ok: true, state: { kind: 'unknown-index', value: input.value, above } };
  }
  if (!output.ok) return { ok: outcome.succeeds !== 'yes' && output.status === outcome.failStatus, state };
  if (outcome.succeeds === 'no' || output.index <= Math.max(expected, floorOf(state))) return no;
  return { ok: true, state: { kind: 'set', value: input.value, index: output.index } };
}

interface WriteOutcome {
  /** Whether the write succeeds in this state; 'maybe' when the current index is unknown. */
  succeeds: 'yes' | 'no' | 'maybe';
  /** The status a failure would carry. */
  failStatus: 409 | 412;
}

function writeOutcome<V>(state: State<V>, expected: number): WriteOutcome {
  if (expected === 0) return { succeeds: state.kind === 'absent' ? 'yes' : 'no', failStatus: 409 };
  switch (state.kind) {
    case 'absent':
      return { succeeds: 'no', failStatus: 412 };
    case 'set':
      return { succeeds: state.index === expected ? 'yes' : 'no', failStatus: 412 };
    case 'unknown-index':
      return { succeeds: expected > state.above ? 'maybe' : 'no', failStatus: 412 };
  }
}

/** A lower bound on every index the register has had. */
function floorOf<V>(state: State<V>): number {
  return state.kind === 'absent' ? 0 : state.kind === 'set' ? state.index : state.above;
}

function stateEqual<V>(eq: (a: V, b: V) => boolean, a: State<V>, b: State<V>): boolean {
  switch (a.kind) {
    case 'absent':
      return b.kind === 'absent';
    case 'set':
      return b.kind === 'set' && a.index === b.index && eq(a.value, b.value);
    case 'unknown-index':
      return b.kind === 'unknown-index' && a.above === b.above && eq(a.value, b.value);
  }
}

function describeCas<V>(input: CasRegisterInput<V>, output: CasRegisterOutput<V> | Unknown): string {
  const key = input.key === undefined ? '' : JSON.stringify(input.key);
  const call = input.op === 'read' ? `read(${key})` : `write(${key ? `${key}, ` : ''}${formatValue(input.value)}, index=${input.index})`;
  if (output === UNKNOWN) return `${call} -> ?`;
  if (output.op === 'read') return `${call} -> ${output.meta === null ? 'null' : `${formatValue(output.meta.value)}@${output.meta.index}`}`;
  return `${call} -> ${output.ok ? `ok index=${output.index}` : String(output.status)}`;
}
