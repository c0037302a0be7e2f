/**
 * A scriptable RuntimeDriver for unit tests of code that runs jobs: no
 * processes, no files. Each started job gets a {@link FakeContainer} the test
 * drives: `write()` output, `exit()` with a code, inspect the `signals` and
 * `stdin` it received. Containers survive a "daemon restart" (a new
 * JobManager with the same driver re-attaches to them) unless `forget()`.
 */
import { PassThrough } from 'node:stream';
import type { Writable } from 'node:stream';
import type { ContainerExit, ContainerHandle, ContainerSpec, OutputChunk, RuntimeDriver } from '../contracts.js';

export interface FakeRuntimeDriverOptions {
  /** Reported as the driver name (`oci` makes the job manager require mountspecs). Default `fake`. */
  name?: string;
  /** Signals that end a container (with 128+N) unless the test says otherwise. Default 2, 9, 15. */
  fatalSignals?: readonly number[];
  /** Containers copy stdin to stdout, like `cat`. Default false. */
  echoStdin?: boolean;
}

export class FakeContainer {
  readonly signals: number[] = [];
  readonly stdinData: Buffer[] = [];
  stdinEnded = false;
  readonly resizes: [number, number][] = [];
  exitInfo: ContainerExit | undefined;
  private readonly chunks: OutputChunk[] = [];
  private readonly wakers = new Set<() => void>();
  private exitWaiters: Array<(e: ContainerExit) => void> = [];
  private stdin: PassThrough | undefined;

  constructor(
    readonly spec: ContainerSpec,
    readonly pid: number,
    private readonly driver: FakeRuntimeDriver,
  ) {}

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Appends output (visible to every reader of `output()`). */
  write(stream: 'stdout' | 'stderr', data: string | Buffer): void {
    if (this.exited) throw new Error(`fake container ${this.spec.jobId} already exited`);
    this.chunks.push({ stream, data: Buffer.isBuffer(data) ? data : Buffer.from(data), cursor: String(this.chunks.length + 1) });
    this.notify();
  }

  /** Ends the container. */
  exit(code: number, opts: { signal?: string; oomKilled?: boolean } = {}): void {
    if (this.exited) return;
    const info: ContainerExit = { code, oomKilled: opts.oomKilled ?? false };
    if (opts.signal !== undefined) info.signal = opts.signal;
    this.exitInfo = info;
    for (const w of this.exitWaiters.splice(0)) w(info);
    this.notify();
  }

  /** A handle as the driver gives out (a new one per start/re-attach). */
  handle(): ContainerHandle {
    return {
      jobId: this.spec.jobId,
      pid: this.pid,
      wait: () => (this.exitInfo ? Promise.resolve(this.exitInfo) : new Promise((resolve) => this.exitWaiters.push(resolve))),
      signal: async (signal) => {
        this.signals.push(signal);
        if (!this.exited && this.driver.fatalSignals.includes(signal)) this.exit(128 + signal, { signal: String(signal) });
      },
      output: (after) => this.output(after),
      openStdin: async () => this.openStdin(),
      resize: async (h, w) => {
        this.resizes.push([h, w]);
      },
    };
  }

  private openStdin(): Writable {
    if (!this.stdin) {
      const s = new PassThrough();
      s.on('data', (d: Buffer) => {
        this.stdinData.push(d);
        if (this.driver.echoStdin && !this.exited) this.write('stdout', d);
      });
      s.on('end', () => {
        this.stdinEnded = true;
        if (this.driver.echoStdin) this.exit(0);
      });
      this.stdin = s;
    }
    return this.stdin;
  }

  private async *output(after?: string): AsyncGenerator<OutputChunk> {
    let i = after === undefined ? 0 : Number(after);
    for (;;) {
      while (i < this.chunks.length) yield this.chunks[i++]!;
      if (this.exited) return;
      await new Promise<void>((resolve) => this.wakers.add(resolve));
    }
  }

  private notify(): void {
    const ws = [...this.wakers];
    this.wakers.clear();
    for (const w of ws) w();
  }
}

export class FakeRuntimeDriver implements RuntimeDriver {
  readonly name: string;
  readonly fatalSignals: readonly number[];
  readonly echoStdin: boolean;
  readonly containers = new Map<string, FakeContainer>();
  readonly cleanups: string[] = [];
  /** Make the next `start` reject with this error. */
  failNextStart: Error | undefined;
  /** Hold `start` until the test resolves it (set to a promise). */
  startGate: Promise<void> | undefined;
  private nextPid = 1000;

  constructor(options: FakeRuntimeDriverOptions = {}) {
    this.name = options.name ?? 'fake';
    this.fatalSignals = options.fatalSignals ?? [2, 9, 15];
    this.echoStdin = options.echoStdin ?? false;
  }

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    if (this.startGate) await this.startGate;
    if (this.failNextStart) {
      const err = this.failNextStart;
      this.failNextStart = undefined;
      throw err;
    }
    const c = new FakeContainer(spec, this.nextPid++, this);
    this.containers.set(spec.jobId, c);
    return c.handle();
  }

  async reattach(jobId: string): Promise<ContainerHandle | null> {
    return this.containers.get(jobId)?.handle() ?? null;
  }

  async cleanup(jobId: string): Promise<void> {
    this.cleanups.push(jobId);
    this.containers.delete(jobId);
  }

  /** The container of a job (throws if there is none). */
  container(jobId: string): FakeContainer {
    const c = this.containers.get(jobId);
    if (!c) throw new Error(`no fake container for job ${jobId}`);
    return c;
  }

  /** Drops a container as if it vanished (re-attach then finds nothing). */
  forget(jobId: string): void {
    this.containers.delete(jobId);
  }
}
