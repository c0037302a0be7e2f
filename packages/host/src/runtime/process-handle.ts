import { openSync, closeSync, constants } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from '@flynn-ts/core';
import type { ContainerExit, ContainerHandle, OutputChunk } from '../contracts.js';
import { decodeProcessCursor } from './core/cursor.js';
import { exitFromStatus, parseExitFile } from './core/exit-status.js';
import { DirWatcher } from './dir-watcher.js';
import { followProcessOutput } from './file-output.js';
import { isSameProcess, readProcStat, trySignal } from './proc.js';
import { RuntimeError } from './runtime-error.js';
import { readText } from './state-file.js';

/** What the process driver persists in `<stateDir>/process.json` (and a handle needs). */
export interface ProcessJobState {
  v: 1;
  driver: 'process';
  jobId: string;
  /** The detached sh wrapper (writes the exit file). */
  wrapperPid: number;
  wrapperStart: number;
  /** The job's main process (session/process-group leader). */
  pid: number;
  pidStart: number;
  stdin: boolean;
}

/** A job of the {@link ProcessDriver}: everything it needs is in the state dir, so it works after a daemon restart. */
export class ProcessHandle implements ContainerHandle {
  readonly jobId: string;
  readonly pid: number;
  private exit: Promise<ContainerExit> | undefined;

  constructor(
    private readonly state: ProcessJobState,
    private readonly stateDir: string,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {
    this.jobId = state.jobId;
    this.pid = state.pid;
  }

  wait(): Promise<ContainerExit> {
    this.exit ??= this.waitForExit();
    return this.exit;
  }

  async signal(signal: number): Promise<void> {
    if ((await this.exitStatus()) !== undefined) return;
    if (!(await isSameProcess(this.state.pid, this.state.pidStart))) return;
    // The job leads its own process group (setsid): signal the group, so a shell's children get it too.
    try {
      process.kill(-this.state.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      trySignal(this.state.pid, signal);
    }
  }

  output(afterCursor?: string): AsyncIterable<OutputChunk> {
    const from = decodeProcessCursor(afterCursor);
    return followProcessOutput(from, {
      dir: this.stateDir,
      isExited: async () => (await this.exitStatus()) !== undefined || !(await this.anyAlive()),
      pollMs: this.pollMs,
    });
  }

  /**
   * A write end of the job's stdin FIFO. The first call also ends the
   * "holder" that kept the FIFO open since the start, so closing the returned
   * stream is the job's EOF (later calls still work while the job reads).
   */
  async openStdin(): Promise<Writable> {
    if (!this.state.stdin) throw new RuntimeError('FLYNN_HOST_RUNTIME_UNSUPPORTED', `job ${this.jobId} was not started with stdin`);
    if ((await this.exitStatus()) !== undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_NOT_RUNNING', `job ${this.jobId} has exited`);
    let fd: number;
    try {
      // Non-blocking: fails with ENXIO instead of hanging when nobody reads any more.
      fd = openSync(join(this.stateDir, 'stdin'), constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      throw new RuntimeError('FLYNN_HOST_RUNTIME_NOT_RUNNING', `stdin of job ${this.jobId} is closed: ${(err as Error).message}`, { cause: err });
    }
    let sock: Socket;
    try {
      sock = new Socket({ fd, readable: false, writable: true });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    sock.on('error', (err) => this.logger.debug({ jobId: this.jobId, err }, 'stdin write failed'));
    await this.releaseHolder();
    return sock;
  }

  private async releaseHolder(): Promise<void> {
    const text = await readText(join(this.stateDir, 'stdin-holder'));
    const pid = Number(text?.trim());
    if (!Number.isInteger(pid) || pid <= 0) return;
    const st = await readProcStat(pid);
    // Only our own holder: a `sleep` whose parent is the job's wrapper (PID reuse guard).
    if (st && st.comm === 'sleep' && st.ppid === this.state.wrapperPid) trySignal(pid, 15);
  }

  private async exitStatus(): Promise<number | undefined> {
    const text = await readText(join(this.stateDir, 'exit'));
    return text === undefined ? undefined : parseExitFile(text, true);
  }

  private async anyAlive(): Promise<boolean> {
    return (await isSameProcess(this.state.wrapperPid, this.state.wrapperStart)) || (await isSameProcess(this.state.pid, this.state.pidStart));
  }

  private async waitForExit(): Promise<ContainerExit> {
    const watcher = new DirWatcher(this.stateDir, this.pollMs);
    try {
      for (;;) {
        // Wrapper liveness first: it writes the exit file before it exits, so "gone and no file" is final.
        const wrapperAlive = await isSameProcess(this.state.wrapperPid, this.state.wrapperStart);
        const status = await this.exitStatus();
        if (status !== undefined) return exitFromStatus(status, false);
        if (!wrapperAlive && !(await isSameProcess(this.state.pid, this.state.pidStart))) {
          this.logger.warn({ jobId: this.jobId }, 'job wrapper died without writing an exit status; reporting 255');
          return exitFromStatus(255, false);
        }
        await watcher.next();
      }
    } finally {
      watcher.close();
    }
  }
}
