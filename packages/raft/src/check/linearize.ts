/**
 * The search at the heart of the checker: Wing & Gong's algorithm with Lowe's
 * memoisation, in the shape of porcupine's `checkSingle`.
 *
 * The history becomes a doubly linked list of call and return entries in time
 * order. The search walks the list from the front: at a call entry it tries to
 * linearize that operation next (step the model; if legal and the pair
 * (linearized set, new state) was not seen before, push it on the stack,
 * unlink its call and return entries and restart from the front); at a return
 * entry it has found an operation that must already have taken effect but
 * could not, so it backtracks (pop the stack, relink, try the next call).
 *
 * Pending operations return at time Infinity, so their return entries sit at
 * the end of the list. Reaching one means every completed operation is
 * linearized; the pending operations still in the list are taken never to
 * have taken effect, and the history is linearizable.
 *
 * Pure: no clock. The caller passes `shouldStop`, polled every
 * {@link POLL_INTERVAL} steps, to abandon the search ('unknown').
 */
import { Bitset } from './bitset.js';
import { deepEqual } from './deep-equal.js';
import { isPending, outputOf, returnOf, type Model, type Operation, type Unknown } from './model.js';

/** How many search steps run between two `shouldStop()` polls. */
export const POLL_INTERVAL = 1024;

export interface SearchResult {
  verdict: 'ok' | 'illegal' | 'unknown';
  /**
   * Indices into the searched operations, in linearization order. For 'ok',
   * a complete linearization of the completed operations (plus the pending
   * ones that had to take effect); otherwise the longest linearizable prefix
   * found.
   */
  linearized: number[];
}

const HEAD = 0;
const NIL = -1;

/** The entry list: node 0 is the head sentinel, nodes 1..2n are calls and returns. */
interface EntryList {
  next: Int32Array;
  prev: Int32Array;
  /** The operation index of each node. */
  op: Int32Array;
  /** For a call node, its return node; NIL for a return node. */
  match: Int32Array;
}

/** Searches for a linearization of `ops` (one partition) under `model`. */
export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  shouldStop: () => boolean,
): SearchResult {
  const n = ops.length;
  const list = buildEntryList(ops);
  const outputs: (O | Unknown)[] = ops.map(outputOf);
  const pending = ops.map(isPending);
  const cache = new StateCache(model);
  const linearized = new Bitset(n);
  const stack: { node: number; state: S }[] = [];
  let best: number[] = [];
  let state = model.init();
  let entry = list.next[HEAD]!;
  let steps = 0;

  while (entry !== NIL) {
    if (++steps % POLL_INTERVAL === 0 && shouldStop()) {
      return { verdict: 'unknown', linearized: longer(best, stack, list) };
    }
    const op = list.op[entry]!;
    if (list.match[entry] !== NIL) {
      const result = model.step(state, ops[op]!.input, outputs[op]!);
      if (result.ok) {
        linearized.set(op);
        if (cache.add(linearized, result.state)) {
          stack.push({ node: entry, state });
          state = result.state;
          lift(list, entry);
          entry = list.next[HEAD]!;
          continue;
        }
        linearized.clear(op);
      }
      entry = list.next[entry]!;
    } else {
      if (pending[op]) break;
      best = longer(best, stack, list);
      const top = stack.pop();
      if (top === undefined) return { verdict: 'illegal', linearized: best };
      state = top.state;
      linearized.clear(list.op[top.node]!);
      unlift(list, top.node);
      entry = list.next[top.node]!;
    }
  }
  return { verdict: 'ok', linearized: stack.map((s) => list.op[s.node]!) };
}

function longer(best: number[], stack: readonly { node: number }[], list: EntryList): number[] {
  return stack.length > best.length ? stack.map((s) => list.op[s.node]!) : best;
}

/**
 * Builds the list in time order. At equal times calls come before returns, so
 * operations that touch at an instant count as concurrent.
 */
function buildEntryList<I, O>(ops: readonly Operation<I, O>[]): EntryList {
  const n = ops.length;
  const events: { time: number; isCall: boolean; op: number }[] = [];
  ops.forEach((o, i) => {
    events.push({ time: o.call, isCall: true, op: i });
    events.push({ time: returnOf(o), isCall: false, op: i });
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));

  const size = 2 * n + 1;
  const list: EntryList = {
    next: new Int32Array(size).fill(NIL),
    prev: new Int32Array(size).fill(NIL),
    op: new Int32Array(size).fill(NIL),
    match: new Int32Array(size).fill(NIL),
  };
  const returnNode = new Int32Array(n);
  events.forEach((e, i) => {
    const node = i + 1;
    list.op[node] = e.op;
    list.prev[node] = node - 1;
    list.next[node - 1] = node;
    if (!e.isCall) returnNode[e.op] = node;
  });
  events.forEach((e, i) => {
    if (e.isCall) list.match[i + 1] = returnNode[e.op]!;
  });
  return list;
}

/** Unlinks a call node and its return node. A call is never the last node. */
function lift(list: EntryList, call: number): void {
  const { next, prev } = list;
  next[prev[call]!] = next[call]!;
  prev[next[call]!] = prev[call]!;
  const ret = list.match[call]!;
  next[prev[ret]!] = next[ret]!;
  if (next[ret] !== NIL) prev[next[ret]!] = prev[ret]!;
}

/** Relinks what {@link lift} unlinked, in the reverse order. */
function unlift(list: EntryList, call: number): void {
  const { next, prev } = list;
  const ret = list.match[call]!;
  next[prev[ret]!] = ret;
  if (next[ret] !== NIL) prev[next[ret]!] = ret;
  next[prev[call]!] = call;
  prev[next[call]!] = call;
}

interface CacheEntry<S> {
  bits: Bitset;
  state: S;
}

/** The set of (linearized operations, state) configurations already explored. */
class StateCache<S> {
  private readonly buckets = new Map<number | string, CacheEntry<S>[]>();
  private readonly equal: (a: S, b: S) => boolean;
  private readonly hash: ((state: S) => string) | undefined;

  constructor(model: { equal?(a: S, b: S): boolean; hash?(state: S): string }) {
    this.hash = model.hash?.bind(model);
    if (model.equal !== undefined) this.equal = model.equal.bind(model);
    else if (this.hash !== undefined) this.equal = () => true;
    else this.equal = deepEqual;
  }

  /** Records the configuration; false if an equal one was recorded before. */
  add(bits: Bitset, state: S): boolean {
    const key = this.hash === undefined ? bits.hash() : `${bits.hash()}:${this.hash(state)}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(key, bucket);
    }
    for (const e of bucket) {
      if (e.bits.equals(bits) && this.equal(e.state, state)) return false;
    }
    bucket.push({ bits: bits.clone(), state });
    return true;
  }
}
