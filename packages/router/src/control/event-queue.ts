/**
 * A small unbounded async queue: producers `push`, one consumer iterates.
 * Ends when `end()` is called or the signal aborts (pending items are still
 * delivered first only on `end()`).
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private done = false;

  constructor(signal?: AbortSignal, onClose?: () => void) {
    const stop = () => {
      this.done = true;
      this.items.length = 0;
      this.wake();
      onClose?.();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
    this.onClose = onClose;
  }

  private readonly onClose: (() => void) | undefined;

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  private wake(): void {
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.done = true;
        this.items.length = 0;
        this.onClose?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
