/**
 * `checkOperations`: is a concurrent history linearizable with respect to a
 * sequential model? Splits the history with the model's `partition` (if any),
 * checks each partition with {@link searchLinearization}, and reports either a
 * linearization per partition or, for a failure, the longest linearizable
 * prefix found and the operations that could not be placed after it.
 */
import { ValidationError } from '@flynn-ts/core';
import { searchLinearization } from './linearize.js';
import { isPending, type Model, type Operation } from './model.js';

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions {
  /** Give up after this many milliseconds (per call, over all partitions) and answer 'unknown'. Default: no limit. */
  timeoutMs?: number;
  /** The clock `timeoutMs` is measured on, in milliseconds. Default `performance.now`; read only when `timeoutMs` is set. */
  now?: () => number;
}

/** What the checker found in one partition. */
export interface PartitionReport<I, O> {
  /** 'skipped' when an earlier partition was illegal or the time ran out first. */
  verdict: CheckVerdict | 'skipped';
  /** The partition's operations, in history order. */
  operations: readonly Operation<I, O>[];
  /**
   * For 'ok', a linearization: every completed operation, and the pending ones
   * that took effect, in the order they took effect. For 'illegal' and
   * 'unknown', the longest linearizable prefix found. Empty when skipped.
   */
  linearized: readonly Operation<I, O>[];
  /**
   * For 'illegal' and 'unknown': the completed operations that are not in
   * `linearized` (one of them could not be placed next), ordered by call time.
   * Empty otherwise.
   */
  unplaced: readonly Operation<I, O>[];
}

export interface CheckInfo<I, O> {
  /** One report per partition, in the order the model's `partition` returned them. */
  partitions: PartitionReport<I, O>[];
  /** The first partition that was not 'ok' (illegal, or being checked when time ran out). */
  failure?: PartitionReport<I, O>;
}

export interface CheckResult<I, O> {
  result: CheckVerdict;
  info: CheckInfo<I, O>;
}

/**
 * Checks that `history` is linearizable under `model`.
 *
 * - 'ok': a linearization exists for every partition (see `info.partitions`).
 * - 'illegal': some partition has none; `info.failure` has the longest
 *   linearizable prefix and the operations that could not follow it.
 * - 'unknown': `timeoutMs` elapsed first.
 *
 * Throws a `ValidationError` (`FLYNN_RAFT_CHECK_INVALID_HISTORY`) for a
 * malformed history: a non-finite call time, or a return before its call.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return checkHistory(model, history, () => false);
  const now = options.now ?? (() => performance.now());
  const deadline = now() + timeoutMs;
  return checkHistory(model, history, () => now() >= deadline);
}

/**
 * The clock-free core of {@link checkOperations}: the search is abandoned
 * ('unknown') as soon as `shouldStop()` answers true. It is polled every few
 * thousand search steps, and before each partition.
 */
export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  shouldStop: () => boolean,
): CheckResult<I, O> {
  validateHistory(history);
  const partitions = model.partition ? model.partition(history) : [history.slice()];
  validatePartitions(history, partitions);

  const reports: PartitionReport<I, O>[] = [];
  let failure: PartitionReport<I, O> | undefined;
  for (const ops of partitions) {
    if (failure !== undefined) {
      reports.push({ verdict: 'skipped', operations: ops, linearized: [], unplaced: [] });
      continue;
    }
    const report = shouldStop() ? abandoned(ops) : checkPartition(model, ops, shouldStop);
    reports.push(report);
    if (report.verdict !== 'ok') failure = report;
  }
  const info: CheckInfo<I, O> = { partitions: reports };
  if (failure === undefined) return { result: 'ok', info };
  info.failure = failure;
  return { result: failure.verdict === 'illegal' ? 'illegal' : 'unknown', info };
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  shouldStop: () => boolean,
): PartitionReport<I, O> {
  const { verdict, linearized } = searchLinearization(model, ops, shouldStop);
  const placed = new Set(linearized);
  const unplaced =
    verdict === 'ok'
      ? []
      : ops
          .map((op, i) => ({ op, i }))
          .filter(({ op, i }) => !placed.has(i) && !isPending(op))
          .sort((a, b) => a.op.call - b.op.call || a.i - b.i)
          .map(({ op }) => op);
  return { verdict, operations: ops, linearized: linearized.map((i) => ops[i]!), unplaced };
}

function abandoned<I, O>(ops: readonly Operation<I, O>[]): PartitionReport<I, O> {
  return { verdict: 'unknown', operations: ops, linearized: [], unplaced: ops.filter((op) => !isPending(op)) };
}

const INVALID = 'FLYNN_RAFT_CHECK_INVALID_HISTORY';

function validateHistory<I, O>(history: readonly Operation<I, O>[]): void {
  history.forEach((op, i) => {
    if (typeof op.call !== 'number' || !Number.isFinite(op.call)) {
      throw new ValidationError('history', `operation ${i}: call time must be a finite number, got ${String(op.call)}`, { code: INVALID });
    }
    if (isPending(op)) return;
    if (typeof op.return !== 'number' || Number.isNaN(op.return) || op.return < op.call) {
      throw new ValidationError('history', `operation ${i}: return time ${String(op.return)} is before its call time ${op.call}`, {
        code: INVALID,
      });
    }
  });
}

function validatePartitions<I, O>(history: readonly Operation<I, O>[], partitions: readonly (readonly Operation<I, O>[])[]): void {
  const seen = new Set<Operation<I, O>>();
  let count = 0;
  for (const ops of partitions) {
    for (const op of ops) {
      seen.add(op);
      count++;
    }
  }
  if (count !== history.length || history.some((op) => !seen.has(op))) {
    throw new ValidationError('model.partition', 'partition must place every operation of the history in exactly one partition', {
      code: INVALID,
    });
  }
}
