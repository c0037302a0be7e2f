/**
 * An in-memory LogManager for unit tests: `lines` holds everything written,
 * `read` tails and follows like the real one.
 */
import type { LogLine, LogManager } from '../contracts.js';

export class FakeLogManager implements LogManager {
  readonly lines: LogLine[] = [];
  private readonly wakers = new Set<() => void>();
  closed = false;

  write(line: LogLine): void {
    this.lines.push(line);
    const ws = [...this.wakers];
    this.wakers.clear();
    for (const w of ws) w();
  }

  /** Messages written for a job (optionally one stream), in order. */
  messages(jobId: string, stream?: LogLine['stream']): string[] {
    return this.lines.filter((l) => l.jobId === jobId && (stream === undefined || l.stream === stream)).map((l) => l.message);
  }

  async *read(filter: { appId: string; jobId?: string }, opts: { lines?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<LogLine> {
    const match = (l: LogLine) => l.appId === filter.appId && (filter.jobId === undefined || l.jobId === filter.jobId);
    const past = this.lines.filter(match);
    let i = this.lines.length;
    yield* opts.lines === undefined ? past : past.slice(Math.max(0, past.length - opts.lines));
    while (opts.follow && !opts.signal?.aborted && !this.closed) {
      while (i < this.lines.length) {
        const l = this.lines[i++]!;
        if (match(l)) yield l;
      }
      await new Promise<void>((resolve) => {
        this.wakers.add(resolve);
        opts.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.wakers) w();
  }
}
