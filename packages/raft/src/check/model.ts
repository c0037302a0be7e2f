/**
 * The vocabulary of the linearizability checker: operations (a history), models
 * (a sequential specification) and the marker for an unknown output.
 *
 * The shape follows anishathalye/porcupine: a model is a pure, sequential
 * specification (`init` + `step`), and a history is a list of operations, each
 * with the time its call was issued and the time its response arrived.
 */

/**
 * The output of an operation whose outcome is unknown (it timed out, the
 * connection dropped, the server answered 5xx). A {@link Model.step} receives
 * this instead of an output when the checker tries to linearize a pending
 * operation at some point: the model should apply the operation's effect as if
 * it had taken effect there, whatever it would have returned.
 */
export const UNKNOWN: unique symbol = Symbol.for('flynn.raft.check.unknown-output');
export type Unknown = typeof UNKNOWN;

/** Who issued an operation: a client, a process or a connection. Used only for display. */
export type ClientId = number | string;

/** An operation whose response was observed. */
export interface CompletedOperation<I, O> {
  readonly clientId: ClientId;
  readonly input: I;
  /** When the call was issued. Any monotonic unit; only the order matters. */
  readonly call: number;
  /**
   * When the response arrived; `>= call`. `Infinity` makes the operation
   * pending (its output is then ignored).
   */
  readonly return: number;
  readonly output: O;
  readonly pending?: false;
}

/**
 * An operation whose outcome is unknown. It may take effect at any point after
 * `call` (even after every other operation returned), or never. Its return
 * time, if given, is ignored: the request may still be in flight.
 */
export interface PendingOperation<I> {
  readonly clientId: ClientId;
  readonly input: I;
  readonly call: number;
  readonly return?: number;
  readonly pending: true;
}

/** One entry of a history. */
export type Operation<I, O> = CompletedOperation<I, O> | PendingOperation<I>;

/** True when the operation's outcome is unknown (`pending: true` or `return: Infinity`). */
export function isPending<I, O>(op: Operation<I, O>): op is PendingOperation<I> {
  return op.pending === true || op.return === Infinity;
}

/** The output the model sees for `op`: its output, or {@link UNKNOWN} when pending. */
export function outputOf<I, O>(op: Operation<I, O>): O | Unknown {
  return isPending(op) ? UNKNOWN : op.output;
}

/** The effective return time: `Infinity` for a pending operation. */
export function returnOf<I, O>(op: Operation<I, O>): number {
  return isPending(op) ? Infinity : op.return;
}

export interface StepResult<State> {
  /** Whether `output` is a legal response to `input` in the state. */
  ok: boolean;
  /** The state after the operation. Ignored when `ok` is false. */
  state: State;
}

/**
 * A sequential specification of an object.
 *
 * Contract:
 * - Every method is pure and deterministic. `step` must not mutate `state`:
 *   the checker keeps earlier states for backtracking and in its cache.
 * - `step(state, input, UNKNOWN)` asks "could this pending operation take
 *   effect now, and what is the state after it?". Because the checker always
 *   allows a pending operation to never take effect, a model may answer
 *   `ok: false` for a pending operation that would have no effect (a read, a
 *   compare-and-set whose comparison fails): that prunes the search and loses
 *   nothing.
 * - `equal` defaults to a structural comparison of plain data (primitives,
 *   arrays, plain objects, Maps, Sets). Give one when states hold other
 *   objects, or to compare faster.
 * - `hash`, if given, returns a string such that equal states have equal
 *   hashes. The cache then looks states up by hash instead of comparing every
 *   state that shares a set of linearized operations. Without `equal`, the
 *   hash is trusted as a canonical key (equal hashes mean equal states); with
 *   `equal`, it only narrows the candidates and `equal` decides.
 * - `partition`, if given, splits a history into independent sub-histories
 *   (one per key, say) that are checked separately. Each operation must land in
 *   exactly one partition, and the model's state then describes one partition.
 */
export interface Model<State, Input, Output> {
  init(): State;
  step(state: State, input: Input, output: Output | Unknown): StepResult<State>;
  equal?(a: State, b: State): boolean;
  hash?(state: State): string;
  partition?(history: readonly Operation<Input, Output>[]): Operation<Input, Output>[][];
  describeOperation?(input: Input, output: Output | Unknown): string;
  describeState?(state: State): string;
}

/** Splits a history by a key function, keeping each partition in history order. */
export function partitionBy<I, O>(
  history: readonly Operation<I, O>[],
  keyOf: (input: I) => string,
): Operation<I, O>[][] {
  const byKey = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const key = keyOf(op.input);
    let ops = byKey.get(key);
    if (ops === undefined) {
      ops = [];
      byKey.set(key, ops);
    }
    ops.push(op);
  }
  return [...byKey.values()];
}
