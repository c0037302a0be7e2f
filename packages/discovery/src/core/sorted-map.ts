/**
 * `SortedMap`: a persistent (immutable) sorted map, an AVL tree with path
 * copying. `set` and `delete` return a new map in O(log n) that shares every
 * untouched node with the old one, which stays valid and unchanged; `get`,
 * `has` and `first` are O(log n); iteration is in key order.
 *
 * It is a `ReadonlyMap`, so the discovery state can hand it out where a
 * `ReadonlyMap` is expected; equal keys are decided by the comparator alone.
 */

interface Node<K, V> {
  readonly k: K;
  readonly v: V;
  readonly l: Node<K, V> | undefined;
  readonly r: Node<K, V> | undefined;
  readonly h: number;
}

export type Compare<K> = (a: K, b: K) => number;

/** Code-unit order, as `Array.prototype.sort()` orders strings. */
export const compareStrings: Compare<string> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

export class SortedMap<K, V> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly root: Node<K, V> | undefined,
    readonly size: number,
    private readonly cmp: Compare<K>,
  ) {}

  static empty<K, V>(cmp: Compare<K>): SortedMap<K, V> {
    return new SortedMap<K, V>(undefined, 0, cmp);
  }

  /** A map of `entries` (a later entry replaces an earlier one with an equal key). */
  static of<K, V>(cmp: Compare<K>, entries: Iterable<readonly [K, V]>): SortedMap<K, V> {
    let m = SortedMap.empty<K, V>(cmp);
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  }

  get(key: K): V | undefined {
    let n = this.root;
    while (n) {
      const c = this.cmp(key, n.k);
      if (c === 0) return n.v;
      n = c < 0 ? n.l : n.r;
    }
    return undefined;
  }

  has(key: K): boolean {
    let n = this.root;
    while (n) {
      const c = this.cmp(key, n.k);
      if (c === 0) return true;
      n = c < 0 ? n.l : n.r;
    }
    return false;
  }

  /** A map with `key` set to `value` (this one is unchanged). */
  set(key: K, value: V): SortedMap<K, V> {
    const out = { added: false };
    const root = insert(this.root, key, value, this.cmp, out);
    return new SortedMap(root, this.size + (out.added ? 1 : 0), this.cmp);
  }

  /** A map without `key`; this same map if it has no such key. */
  delete(key: K): SortedMap<K, V> {
    const root = remove(this.root, key, this.cmp);
    return root === this.root ? this : new SortedMap(root, this.size - 1, this.cmp);
  }

  /** The entry with the smallest key. */
  first(): [K, V] | undefined {
    let n = this.root;
    if (!n) return undefined;
    while (n.l) n = n.l;
    return [n.k, n.v];
  }

  *entries(): MapIterator<[K, V]> {
    const stack: Array<Node<K, V>> = [];
    let n = this.root;
    while (n || stack.length > 0) {
      while (n) {
        stack.push(n);
        n = n.l;
      }
      const top = stack.pop()!;
      yield [top.k, top.v];
      n = top.r;
    }
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'SortedMap';
  }
}

const height = <K, V>(n: Node<K, V> | undefined): number => (n ? n.h : 0);

function node<K, V>(k: K, v: V, l: Node<K, V> | undefined, r: Node<K, V> | undefined): Node<K, V> {
  const hl = height(l);
  const hr = height(r);
  return { k, v, l, r, h: (hl > hr ? hl : hr) + 1 };
}

/** A node for (k, v, l, r) with the AVL balance restored (subtree heights differ by at most 2 on entry). */
function balance<K, V>(k: K, v: V, l: Node<K, V> | undefined, r: Node<K, V> | undefined): Node<K, V> {
  const hl = height(l);
  const hr = height(r);
  if (hl > hr + 1) {
    const L = l!;
    if (height(L.l) >= height(L.r)) return node(L.k, L.v, L.l, node(k, v, L.r, r));
    const LR = L.r!;
    return node(LR.k, LR.v, node(L.k, L.v, L.l, LR.l), node(k, v, LR.r, r));
  }
  if (hr > hl + 1) {
    const R = r!;
    if (height(R.r) >= height(R.l)) return node(R.k, R.v, node(k, v, l, R.l), R.r);
    const RL = R.l!;
    return node(RL.k, RL.v, node(k, v, l, RL.l), node(R.k, R.v, RL.r, R.r));
  }
  return node(k, v, l, r);
}

function insert<K, V>(n: Node<K, V> | undefined, k: K, v: V, cmp: Compare<K>, out: { added: boolean }): Node<K, V> {
  if (!n) {
    out.added = true;
    return { k, v, l: undefined, r: undefined, h: 1 };
  }
  const c = cmp(k, n.k);
  if (c < 0) return balance(n.k, n.v, insert(n.l, k, v, cmp, out), n.r);
  if (c > 0) return balance(n.k, n.v, n.l, insert(n.r, k, v, cmp, out));
  return { k, v, l: n.l, r: n.r, h: n.h };
}

function remove<K, V>(n: Node<K, V> | undefined, k: K, cmp: Compare<K>): Node<K, V> | undefined {
  if (!n) return undefined;
  const c = cmp(k, n.k);
  if (c < 0) {
    const l = remove(n.l, k, cmp);
    return l === n.l ? n : balance(n.k, n.v, l, n.r);
  }
  if (c > 0) {
    const r = remove(n.r, k, cmp);
    return r === n.r ? n : balance(n.k, n.v, n.l, r);
  }
  if (!n.l) return n.r;
  if (!n.r) return n.l;
  let m = n.r;
  while (m.l) m = m.l;
  return balance(m.k, m.v, n.l, removeMin(n.r));
}

function removeMin<K, V>(n: Node<K, V>): Node<K, V> | undefined {
  if (!n.l) return n.r;
  return balance(n.k, n.v, removeMin(n.l), n.r);
}
