import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from '@flynn-ts/core';
import type { ContainerExit, ContainerHandle, OutputChunk } from '../contracts.js';
import { openAttachStdin, resizeTerminal } from './attach-stdin.js';
import { readOomKills } from './cgroups.js';
import { decodeOciCursor } from './core/cursor.js';
import { exitFromStatus, parseExitFile } from './core/exit-status.js';
import { initTakesSignal } from './core/proc-stat.js';
import { DirWatcher } from './dir-watcher.js';
import { followK8sLog } from './k8s-output.js';
import type { OciJobState, OciPaths } from './oci-state.js';
import { isSameProcess } from './proc.js';
import { RuntimeError } from './runtime-error.js';
import { readText } from './state-file.js';

/** How long (× 5 ms) signal() waits for the container's init to handle signals. */
const INIT_SETUP_POLLS = 200;

export interface OciHandleDeps {
  paths: OciPaths;
  pollMs: number;
  logger: Logger;
  /** Perl for the stdin relay; undefined: openStdin() fails with UNSUPPORTED. */
  perlPath: string | undefined;
}

/**
 * A container of the {@link OciDriver}, followed through the files conmon
 * keeps in the state dir (exit file, k8s-file log, attach socket, ctl FIFO),
 * so a handle rebuilt after a daemon restart behaves the same.
 */
export class OciHandle implements ContainerHandle {
  readonly jobId: string;
  readonly pid: number;
  private exit: Promise<ContainerExit> | undefined;

  constructor(
    private readonly state: OciJobState,
    private readonly deps: OciHandleDeps,
  ) {
    this.jobId = state.jobId;
    this.pid = state.pid;
  }

  wait(): Promise<ContainerExit> {
    this.exit ??= this.waitForExit();
    return this.exit;
  }

  /**
   * Signals the container's init (tini), which forwards it to the job's process group; SIGKILL ends
   * the container. The init is PID 1 of its namespace: the kernel drops a signal it neither blocks nor
   * catches, which is the case for a moment after the start (tini is not yet set up), so wait for that
   * first (see initTakesSignal; a few ms at most, and bounded).
   */
  async signal(signal: number): Promise<void> {
    if ((await this.exitStatus()) !== undefined) return;
    if (!(await isSameProcess(this.state.pid, this.state.pidStart))) return;
    if (signal !== 9) await this.untilInitHandles(signal);
    try {
      process.kill(this.state.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  output(afterCursor?: string): AsyncIterable<OutputChunk> {
    return followK8sLog(this.deps.paths.log, decodeOciCursor(afterCursor), {
      isExited: async () => (await this.exitStatus()) !== undefined || !(await this.monitorAlive()),
      pollMs: this.deps.pollMs,
    });
  }

  async openStdin(): Promise<Writable> {
    if (!this.state.stdin) throw new RuntimeError('FLYNN_HOST_RUNTIME_UNSUPPORTED', `job ${this.jobId} was not started with stdin`);
    if (this.deps.perlPath === undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_UNSUPPORTED', 'attaching stdin needs perl on the host (conmon attach socket relay)');
    if ((await this.exitStatus()) !== undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_NOT_RUNNING', `job ${this.jobId} has exited`);
    return openAttachStdin(this.deps.paths.bundle, this.deps.perlPath);
  }

  async resize(height: number, width: number): Promise<void> {
    if (!this.state.tty) throw new RuntimeError('FLYNN_HOST_RUNTIME_UNSUPPORTED', `job ${this.jobId} has no terminal`);
    await resizeTerminal(this.deps.paths.bundle, height, width);
  }

  private async untilInitHandles(signal: number): Promise<void> {
    for (let i = 0; i < INIT_SETUP_POLLS; i++) {
      const status = await readText(`/proc/${this.state.pid}/status`).catch(() => undefined);
      if (status === undefined || initTakesSignal(status, signal)) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async exitStatus(): Promise<number | undefined> {
    const text = await readText(join(this.deps.paths.exitDir, this.state.cid));
    return text === undefined ? undefined : parseExitFile(text, false);
  }

  private monitorAlive(): Promise<boolean> {
    return isSameProcess(this.state.conmonPid, this.state.conmonStart);
  }

  private async waitForExit(): Promise<ContainerExit> {
    const watcher = new DirWatcher(this.deps.paths.exitDir, this.deps.pollMs);
    try {
      for (;;) {
        // Monitor liveness first: conmon writes the exit file before it exits, so "gone and no file" is final.
        const monitorAlive = await this.monitorAlive();
        const status = await this.exitStatus();
        if (status !== undefined) return exitFromStatus(status, await this.oomKilled());
        if (!monitorAlive && !(await isSameProcess(this.state.pid, this.state.pidStart))) {
          this.deps.logger.warn({ jobId: this.jobId }, 'conmon died without writing an exit status; reporting 255');
          return exitFromStatus(255, await this.oomKilled());
        }
        await watcher.next();
      }
    } finally {
      watcher.close();
    }
  }

  /** flynn-monitor's count (`exits/<cid>.oom`, read before it deletes the cgroup), else the cgroup's own counter. */
  private async oomKilled(): Promise<boolean> {
    const recorded = Number((await readText(join(this.deps.paths.exitDir, `${this.state.cid}.oom`)))?.trim());
    if (Number.isInteger(recorded) && recorded >= 0) return recorded > 0;
    if (this.state.oomFile === undefined) return false;
    return ((await readOomKills(this.state.oomFile)) ?? 0) > 0;
  }
}
