/**
 * `InstanceMap`: a service's live instances, persistent (see `SortedMap`).
 * Two trees share the instances: by id (lookups) and by age (index, then
 * id), so a registration, update or removal costs O(log n) and leaves the
 * old map intact, the oldest instance (the `oldest` leader rule) is O(log n),
 * and iteration is in index order, which is the order every reader wants.
 */
import { compareStrings, SortedMap } from './sorted-map.js';
import type { Instance } from './types.js';

/** Index order; ties (which a valid log never has) by id. */
export function byIndex(a: Instance, b: Instance): number {
  return a.index - b.index || compareStrings(a.id, b.id);
}

const NO_INSTANCES: readonly Instance[] = Object.freeze([]);

export class InstanceMap implements ReadonlyMap<string, Instance> {
  private list: readonly Instance[] | undefined;

  private constructor(
    private readonly byId: SortedMap<string, Instance>,
    private readonly byAge: SortedMap<Instance, Instance>,
  ) {}

  static readonly EMPTY = new InstanceMap(SortedMap.empty(compareStrings), SortedMap.empty(byIndex));

  /** A map of `instances` (O(n log n)); a later instance with the same id replaces an earlier one. */
  static of(instances: Iterable<Instance>): InstanceMap {
    let m = InstanceMap.EMPTY;
    for (const i of instances) m = m.set(i);
    return m;
  }

  /** `m` itself if it is an `InstanceMap`, else a copy (for states built by hand with a plain Map). */
  static from(m: ReadonlyMap<string, Instance>): InstanceMap {
    return m instanceof InstanceMap ? m : InstanceMap.of(m.values());
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Instance | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** A map with `instance` added, or replacing the one with its id. */
  set(instance: Instance): InstanceMap {
    const prev = this.byId.get(instance.id);
    let byAge = this.byAge;
    if (prev && prev.index !== instance.index) byAge = byAge.delete(prev);
    return new InstanceMap(this.byId.set(instance.id, instance), byAge.set(instance, instance));
  }

  /** A map without instance `id`; this same map if there is none. */
  delete(id: string): InstanceMap {
    const prev = this.byId.get(id);
    if (!prev) return this;
    return new InstanceMap(this.byId.delete(id), this.byAge.delete(prev));
  }

  /** The instance with the lowest index. */
  oldest(): Instance | undefined {
    return this.byAge.first()?.[1];
  }

  /** The instances in index order, frozen; computed once per map. */
  sorted(): readonly Instance[] {
    if (this.list === undefined) this.list = this.size === 0 ? NO_INSTANCES : Object.freeze([...this.byAge.values()]);
    return this.list;
  }

  *entries(): MapIterator<[string, Instance]> {
    for (const i of this.sorted()) yield [i.id, i];
  }

  *keys(): MapIterator<string> {
    for (const i of this.sorted()) yield i.id;
  }

  *values(): MapIterator<Instance> {
    yield* this.sorted();
  }

  [Symbol.iterator](): MapIterator<[string, Instance]> {
    return this.entries();
  }

  forEach(fn: (value: Instance, key: string, map: ReadonlyMap<string, Instance>) => void, thisArg?: unknown): void {
    for (const i of this.sorted()) fn.call(thisArg, i, i.id, this);
  }

  get [Symbol.toStringTag](): string {
    return 'InstanceMap';
  }
}
