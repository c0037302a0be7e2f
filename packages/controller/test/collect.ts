/** Reading streams in tests: take the next `n` items, failing (not hanging) after a deadline. */
export async function collectN<T>(it: AsyncIterator<T>, n: number, timeoutMs = 10_000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, left))));
    const r = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`collectN: got ${out.length} of ${n} items within ${timeoutMs} ms`);
    if (r.done) throw new Error(`collectN: stream ended after ${out.length} of ${n} items`);
    out.push(r.value);
  }
  return out;
}

/** Consumes a stream in the background from the moment it is made, so a test can wait for items. */
export class StreamCollector<T> {
  readonly items: T[] = [];
  error: unknown;
  done = false;
  private readonly it: AsyncIterator<T>;

  constructor(iterable: AsyncIterable<T>) {
    this.it = iterable[Symbol.asyncIterator]();
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const r = await this.it.next();
        if (r.done) break;
        this.items.push(r.value);
      }
    } catch (err) {
      this.error = err;
    }
    this.done = true;
  }

  /** Resolves with the first `n` items once they arrived; fails after the deadline. */
  async take(n: number, timeoutMs = 10_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < n) {
      if (this.done) throw new Error(`stream ended after ${this.items.length} of ${n} items: ${String(this.error)}`);
      if (Date.now() > deadline) throw new Error(`got ${this.items.length} of ${n} items within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.items.slice(0, n);
  }
}
