/**
 * An ImageStore for unit tests: every layer "prepares" to `/fake/layers/<id>`
 * and preparations/releases are recorded.
 */
import type { ImageStore, PreparedImage } from '../contracts.js';
import type { MountSpec } from '../types.js';

export class FakeImageStore implements ImageStore {
  readonly prepared: MountSpec[][] = [];
  readonly released: MountSpec[][] = [];
  /** Make the next `prepare` reject with this error. */
  failNext: Error | undefined;

  async prepare(mountspecs: MountSpec[]): Promise<PreparedImage> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.prepared.push(mountspecs);
    return { lowerDirs: mountspecs.map((m) => `/fake/layers/${m.id}`) };
  }

  async release(mountspecs: MountSpec[]): Promise<void> {
    this.released.push(mountspecs);
  }
}
