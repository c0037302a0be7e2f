/**
 * Follows a service's leader: yields the current leader (undefined when there
 * is none) once the watch has replayed the state, then every change. Built on
 * a watch, so it reconnects by itself and never yields the same leader twice
 * in a row.
 */
import type { Instance } from '../core/types.js';
import type { DiscoveryWatch } from './service-discovery.js';

export class LeaderFollower implements AsyncIterable<Instance | undefined> {
  private last: Instance | undefined;
  private known = false;
  private readonly gen: AsyncGenerator<Instance | undefined, void, undefined>;

  /** `watch` must deliver at least the `leader` and `current` kinds. */
  constructor(private readonly watch: DiscoveryWatch) {
    this.gen = this.run();
  }

  /** The last leader yielded (undefined before the first, or when there is none). */
  get current(): Instance | undefined {
    return this.last;
  }

  /** True once the current leader is known (the first value was produced). */
  get ready(): boolean {
    return this.known;
  }

  [Symbol.asyncIterator](): AsyncIterator<Instance | undefined> {
    return this.gen;
  }

  /** Ends the iteration and the watch. */
  close(): void {
    this.watch.close();
    void this.gen.return(undefined).catch(() => {});
  }

  private async *run(): AsyncGenerator<Instance | undefined, void, undefined> {
    let pending: Instance | undefined;
    try {
      for await (const e of this.watch) {
        if (e.kind === 'leader') {
          if (this.known) {
            this.last = e.instance;
            yield e.instance;
          } else {
            pending = e.instance;
          }
        } else if (e.kind === 'current' && !this.known) {
          this.known = true;
          this.last = pending;
          yield pending;
        }
      }
    } finally {
      this.watch.close();
    }
  }
}

/** Runs `fn` for every value of `follower` in the background; returns its closer. */
export function runLeaderCallback(
  follower: LeaderFollower,
  fn: (leader: Instance | undefined) => void,
  onError: ((err: unknown) => void) | undefined,
): { close(): void } {
  void (async () => {
    try {
      for await (const leader of follower) {
        try {
          fn(leader);
        } catch (err) {
          onError?.(err);
        }
      }
    } catch (err) {
      onError?.(err);
    }
  })();
  return { close: () => follower.close() };
}
