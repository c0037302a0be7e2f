/**
 * The concurrency limit on job starts (the original's RateLimitBucket): an API
 * start takes a token at once or is refused (429); internal starts
 * (resurrection) and a start that paused while waiting for the network or
 * discoverd wait for one.
 */
export interface StartToken {
  /** Gives the token back. Idempotent. */
  release(): void;
}

export class StartLimiter {
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`start limit must be a positive integer, got ${size}`);
  }

  get available(): number {
    return this.size - this.inUse;
  }

  /** A token now, or undefined when all are taken. */
  tryAcquire(): StartToken | undefined {
    if (this.inUse >= this.size) return undefined;
    this.inUse++;
    return this.token();
  }

  /** A token once one is free (waiters are served in order). */
  acquire(): Promise<StartToken> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      this.waiters.push(() => {
        this.inUse++;
        resolve(this.token());
      });
    });
  }

  private token(): StartToken {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inUse--;
        const next = this.waiters.shift();
        if (next) next();
      },
    };
  }
}
