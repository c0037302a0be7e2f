/**
 * A key-value map with get, put, compare-and-set and delete, partitioned by
 * key: each key is an independent register, so a history over many keys is
 * checked as many small histories (porcupine's kv model does the same).
 */
import { deepEqual } from './deep-equal.js';
import { formatValue } from './format-value.js';
import { UNKNOWN, partitionBy, type Model, type StepResult, type Unknown } from './model.js';

/**
 * - `get` reads a key.
 * - `put` sets it.
 * - `cas` sets it to `value` if and only if its current value equals
 *   `expected`; `expected: undefined` means "only if the key is absent".
 * - `delete` removes it.
 */
export type KvInput<V> =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: V }
  | { readonly op: 'cas'; readonly key: string; readonly expected: V | undefined; readonly value: V }
  | { readonly op: 'delete'; readonly key: string };

/**
 * Outputs carry the `op` of their input (a mismatch is illegal).
 * - get: the value read, `undefined` for an absent key.
 * - cas: whether the swap happened.
 * - delete: optionally whether the key existed (checked when given).
 */
export type KvOutput<V> =
  | { readonly op: 'get'; readonly value: V | undefined }
  | { readonly op: 'put' }
  | { readonly op: 'cas'; readonly ok: boolean }
  | { readonly op: 'delete'; readonly existed?: boolean };

/** The value of the one key a partition is about; `undefined` when absent. */
export type KvState<V> = V | undefined;

export interface KvModelOptions<V> {
  /** Compares values. Default {@link deepEqual}. */
  equal?: (a: V | undefined, b: V | undefined) => boolean;
}

/**
 * The key-value model. `partition` splits the history by key and the state is
 * the value of that one key, so the model is only meaningful with partitioning
 * (which `checkOperations` always applies).
 *
 * Pending operations: a pending put or delete may take effect at any point
 * after its call (or never); a pending cas may take effect only where its
 * comparison succeeds (a failed cas changes nothing, like never happening); a
 * pending get is never placed, as it has no effect.
 */
export function kvModel<V>(options: KvModelOptions<V> = {}): Model<KvState<V>, KvInput<V>, KvOutput<V>> {
  const eq = options.equal ?? deepEqual;
  return {
    init: () => undefined,
    step: (state, input, output) => stepKv(eq, state, input, output),
    equal: eq,
    partition: (history) => partitionBy(history, (input) => input.key),
    describeOperation: describeKv,
    describeState: (state) => formatValue(state),
  };
}

function stepKv<V>(
  eq: (a: V | undefined, b: V | undefined) => boolean,
  state: KvState<V>,
  input: KvInput<V>,
  output: KvOutput<V> | Unknown,
): StepResult<KvState<V>> {
  const pending = output === UNKNOWN;
  if (!pending && output.op !== input.op) return { ok: false, state };
  switch (input.op) {
    case 'get':
      return { ok: !pending && output.op === 'get' && eq(state, output.value), state };
    case 'put':
      return { ok: true, state: input.value };
    case 'cas': {
      const swapped = eq(state, input.expected);
      const ok = pending ? swapped : output.op === 'cas' && output.ok === swapped;
      return { ok, state: swapped ? input.value : state };
    }
    case 'delete': {
      const existed = !pending && output.op === 'delete' ? output.existed : undefined;
      return { ok: existed === undefined || existed === (state !== undefined), state: undefined };
    }
  }
}

function describeKv<V>(input: KvInput<V>, output: KvOutput<V> | Unknown): string {
  const call = describeKvCall(input);
  if (output === UNKNOWN) return `${call} -> ?`;
  switch (output.op) {
    case 'get':
      return `${call} -> ${formatValue(output.value)}`;
    case 'cas':
      return `${call} -> ${output.ok}`;
    case 'delete':
      return output.existed === undefined ? call : `${call} -> existed=${output.existed}`;
    case 'put':
      return call;
  }
}

function describeKvCall<V>(input: KvInput<V>): string {
  const key = JSON.stringify(input.key);
  switch (input.op) {
    case 'get':
      return `get(${key})`;
    case 'put':
      return `put(${key}, ${formatValue(input.value)})`;
    case 'cas':
      return `cas(${key}, ${formatValue(input.expected)} -> ${formatValue(input.value)})`;
    case 'delete':
      return `delete(${key})`;
  }
}
