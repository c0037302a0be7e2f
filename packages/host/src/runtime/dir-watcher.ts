import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';

/**
 * Wakes a waiter when anything in a directory changes (inotify through
 * `fs.watch`; a file written inside the directory counts), with a polling
 * fallback: `next()` also resolves after `pollMs`, and when inotify is not
 * available (ENOSPC: too many watches) polling is all there is. Callers
 * re-check their condition after every wake-up, so spurious wake-ups are fine.
 */
export class DirWatcher {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(
    dir: string,
    private readonly pollMs: number,
  ) {
    try {
      this.watcher = watch(dir, { persistent: false }, () => this.notify());
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      this.watcher = undefined;
    }
  }

  /** Resolves on the next change (or one already seen since the last call), after `pollMs`, or on abort. */
  next(signal?: AbortSignal): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.closeWatcher();
    this.wake?.();
  }

  private notify(): void {
    if (this.wake) this.wake();
    else this.changed = true;
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
