/**
 * Recording histories from real clients, and printing them.
 *
 * ```ts
 * const rec = new HistoryRecorder<KvInput<string>, KvOutput<string>>();
 * const op = rec.invoke(client, { op: 'get', key: 'a' });
 * try { op.ok({ op: 'get', value: await kv.get('a') }); }
 * catch (err) { if (isDefinitelyNotApplied(err)) op.fail(); else op.info(); }
 * const { result } = checkOperations(kvModel(), rec.operations());
 * ```
 */
import { InvariantError } from '@flynn-ts/core';
import type { CheckResult, PartitionReport } from './check-operations.js';
import { formatValue } from './format-value.js';
import { isPending, outputOf, type ClientId, type Model, type Operation, type Unknown } from './model.js';

export interface HistoryRecorderOptions {
  /**
   * The clock for call and return times. Default: a logical counter that
   * ticks on every invoke and completion, which orders events exactly as this
   * process saw them. Pass a shared clock only to merge histories recorded by
   * several processes.
   */
  now?: () => number;
}

/** An invoked operation awaiting its outcome. Complete it exactly once. */
export interface OpenOperation<O> {
  /** The operation completed with `output`. */
  ok(output: O): void;
  /** The operation definitely did not take effect (e.g. rejected before being proposed): drop it. */
  fail(): void;
  /** The outcome is unknown (timeout, lost connection): it may take effect at any later time, or never. */
  info(): void;
}

type Slot<I, O> =
  | { state: 'open'; clientId: ClientId; input: I; call: number }
  | { state: 'done'; op: Operation<I, O> }
  | { state: 'failed' };

/**
 * Records a history as clients run. Not thread-aware (nor does it need to be:
 * JavaScript runs callbacks one at a time, so the order of `invoke` and
 * completion calls is the real-time order).
 */
export class HistoryRecorder<I, O> {
  private readonly now: () => number;
  private readonly slots: Slot<I, O>[] = [];

  constructor(options: HistoryRecorderOptions = {}) {
    let tick = 0;
    this.now = options.now ?? (() => tick++);
  }

  /** Records the call of `input` by `clientId` and returns the handle to complete it. */
  invoke(clientId: ClientId, input: I): OpenOperation<O> {
    const index = this.slots.length;
    this.slots.push({ state: 'open', clientId, input, call: this.now() });
    const close = (how: string): Slot<I, O> & { state: 'open' } => {
      const slot = this.slots[index]!;
      if (slot.state !== 'open') throw new InvariantError(`HistoryRecorder: operation ${index} completed twice (${how})`, { index });
      return slot;
    };
    return {
      ok: (output) => {
        const s = close('ok');
        this.slots[index] = { state: 'done', op: { clientId: s.clientId, input: s.input, call: s.call, return: this.now(), output } };
      },
      fail: () => {
        close('fail');
        this.slots[index] = { state: 'failed' };
      },
      info: () => {
        const s = close('info');
        this.slots[index] = { state: 'done', op: { clientId: s.clientId, input: s.input, call: s.call, pending: true } };
      },
    };
  }

  /**
   * The history so far, in invocation order: completed operations, operations
   * with unknown outcome, and still-open operations (as pending, since they
   * may yet take effect). Failed operations are left out.
   */
  operations(): Operation<I, O>[] {
    const out: Operation<I, O>[] = [];
    for (const slot of this.slots) {
      if (slot.state === 'done') out.push(slot.op);
      else if (slot.state === 'open') out.push({ clientId: slot.clientId, input: slot.input, call: slot.call, pending: true });
    }
    return out;
  }
}

export interface FormatOptions<I, O> {
  /** Describes operations (through `describeOperation`). */
  model?: Pick<Model<unknown, I, O>, 'describeOperation'>;
  /** Operations to mark with `!` (for example a check's unplaced operations). */
  highlight?: readonly Operation<I, O>[];
}

/**
 * A table of the history ordered by call time: one line per operation with
 * its client, call and return times (`?` when pending) and description.
 */
export function formatHistory<I, O>(history: readonly Operation<I, O>[], options: FormatOptions<I, O> = {}): string {
  const marked = new Set(options.highlight ?? []);
  const rows = history
    .map((op, i) => ({ op, i }))
    .sort((a, b) => a.op.call - b.op.call || a.i - b.i)
    .map(({ op, i }) => [
      marked.has(op) ? '!' : ' ',
      String(i),
      String(op.clientId),
      String(op.call),
      isPending(op) ? '?' : String(op.return),
      describe(options.model, op),
    ]);
  return table([[' ', '#', 'client', 'call', 'return', 'operation'], ...rows]);
}

/**
 * A readable report of a check: the verdict and, for a failure, the longest
 * linearizable prefix (with the state after each step) and the operations of
 * that partition, the ones that could not be placed marked with `!`.
 */
export function formatCheckResult<S, I, O>(model: Model<S, I, O>, check: CheckResult<I, O>): string {
  const { failure } = check.info;
  const lines = [`result: ${check.result} (${check.info.partitions.length} partition(s))`];
  if (failure === undefined) return lines.join('\n');
  lines.push('', `longest linearizable prefix (${failure.linearized.length} of ${failure.operations.length} operations):`);
  lines.push(...formatPrefix(model, failure));
  lines.push('', `partition history (! = could not be placed after the prefix):`);
  lines.push(formatHistory(failure.operations, { model, highlight: failure.unplaced }));
  return lines.join('\n');
}

function formatPrefix<S, I, O>(model: Model<S, I, O>, report: PartitionReport<I, O>): string[] {
  let state = model.init();
  const describeState = (s: S) => (model.describeState ? model.describeState(s) : formatValue(s));
  const lines = [`  initial state: ${describeState(state)}`];
  for (const op of report.linearized) {
    state = model.step(state, op.input, outputOf(op)).state;
    lines.push(`  ${describe(model, op)}   => ${describeState(state)}`);
  }
  return lines;
}

function describe<I, O>(model: Pick<Model<unknown, I, O>, 'describeOperation'> | undefined, op: Operation<I, O>): string {
  const output: O | Unknown = outputOf(op);
  if (model?.describeOperation) return model.describeOperation(op.input, output);
  return `${formatValue(op.input)} -> ${isPending(op) ? '?' : formatValue(output)}`;
}

function table(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, c) => (widths[c] = Math.max(widths[c] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}
