/**
 * A single read/write register: the classic linearizability example (Knossos'
 * `register`, porcupine's register tests).
 */
import { deepEqual } from './deep-equal.js';
import { formatValue } from './format-value.js';
import { UNKNOWN, type Model } from './model.js';

/** `read` returns the register's value; `write` replaces it. */
export type RegisterInput<V> = { readonly op: 'read' } | { readonly op: 'write'; readonly value: V };

/**
 * A read's output is the value it returned (`undefined` when the register was
 * never written and has no `initial` value). A write's output is ignored:
 * record `undefined`.
 */
export type RegisterOutput<V> = V | undefined;

export interface RegisterModelOptions<V> {
  /** The value before any write. Default `undefined`. */
  initial?: V;
  /** Compares values. Default {@link deepEqual}. */
  equal?: (a: V | undefined, b: V | undefined) => boolean;
}

/**
 * One register holding a value of type `V`.
 *
 * - read: legal iff it returns the current value; no effect. A pending read
 *   has no effect, so the model declines to place it (`ok: false`): the
 *   checker treats it as never having happened.
 * - write: always legal; the register takes the value. A pending write may
 *   take effect at any time after its call, or never.
 */
export function registerModel<V>(options: RegisterModelOptions<V> = {}): Model<V | undefined, RegisterInput<V>, RegisterOutput<V>> {
  const eq = options.equal ?? deepEqual;
  const initial = options.initial;
  return {
    init: () => initial,
    step(state, input, output) {
      if (input.op === 'write') return { ok: true, state: input.value };
      return { ok: output !== UNKNOWN && eq(state, output), state };
    },
    equal: eq,
    describeOperation(input, output) {
      const out = output === UNKNOWN ? '?' : formatValue(output);
      return input.op === 'write' ? `write(${formatValue(input.value)})` : `read() -> ${out}`;
    },
    describeState: (state) => formatValue(state),
  };
}
