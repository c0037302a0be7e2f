/**
 * One attach session on an upgraded connection (reference §2.10, the
 * original's host/attach.go): `waiting` until the job runs when it is not
 * running yet (a job started attached: attach first, then PUT it), then
 * `success`; output frames for the requested streams, from the job's start
 * when it was waited for or `logs` was asked, else from now on; stdin,
 * signal and resize frames from the client; at the end EOF frames and `exit`
 * with the exit code (with the `stream` flag), or an `error` frame (a failed
 * job, a job that is not running). Closing the connection closes the job's
 * stdin, as the original does.
 */
import type { Duplex, Writable } from 'node:stream';
import type { Logger } from '@flynn-ts/core';
import { isTerminal } from '../job/core/job-state.js';
import type { ActiveJob } from '../types.js';
import type { AttachRequest, AttachStream } from './core/attach-codec.js';
import { AttachFlag, encodeData, encodeEof, encodeError, encodeExit, encodeState } from './core/attach-codec.js';
import { AttachDecoder } from './core/attach-decoder.js';
import type { AttachableJob, AttachTarget } from './attach-target.js';

export const ERR_JOB_NOT_RUNNING = 'host: job not running';

export async function runAttachSession(conn: Duplex, req: AttachRequest, target: AttachTarget, logger: Logger, leftover?: Buffer): Promise<void> {
  const session = new AttachSession(conn, req, target, logger.child({ jobId: req.job_id }));
  await session.run(leftover);
}

class AttachSession {
  private closed = false;
  private readonly closedPromise: Promise<void>;
  private readonly flags: number;
  private att: AttachableJob | undefined;
  private stdin: Writable | undefined;
  private stdinReady: Promise<void> = Promise.resolve();
  /** The session waited for the job to start: its output is sent from the start. */
  private waited = false;
  private readonly decoder = new AttachDecoder({ side: 'server' });

  constructor(
    private readonly conn: Duplex,
    private readonly req: AttachRequest,
    private readonly target: AttachTarget,
    private readonly log: Logger,
  ) {
    this.flags = req.flags ?? 0;
    this.closedPromise = new Promise<void>((resolve) => {
      const onClose = () => {
        this.closed = true;
        resolve();
      };
      conn.once('close', onClose);
      conn.once('error', onClose);
    });
  }

  async run(leftover?: Buffer): Promise<void> {
    try {
      const found = await this.waitForJob();
      if (!found) return;
      if ('handle' in found) {
        this.att = found;
        // A job that already ended (not yet cleaned up) is "not running", unless its output is asked for.
        if (isTerminal(found.job.status) && !this.waited && !(this.flags & AttachFlag.logs)) {
          this.fail(ERR_JOB_NOT_RUNNING);
          return;
        }
      } else {
        this.fail(found.status === 'failed' ? (found.error ?? 'job failed') : ERR_JOB_NOT_RUNNING);
        return;
      }
      this.conn.write(encodeState('success'));
      this.log.info({ event: 'attach', flags: this.flags }, 'attached');
      this.openStdin();
      this.readFrames(leftover);
      await this.forward();
    } catch (err) {
      this.log.warn({ event: 'attach_failed', err }, 'attach session failed');
      this.fail(err instanceof Error ? err.message : String(err));
    } finally {
      this.att?.release();
      this.stdin?.end();
      if (!this.closed) this.conn.end();
    }
  }

  /** The job's attachable handle, or the job when it cannot be attached; undefined when the client left. */
  private async waitForJob(): Promise<AttachableJob | ActiveJob | undefined> {
    const id = this.req.job_id;
    let result: AttachableJob | ActiveJob | undefined;
    // Takes the job (and, when attachable, a hold on its cleanup) once.
    const take = (): boolean => {
      if (result) return true;
      const job = this.target.get(id);
      if (!job || job.status === 'starting') return false;
      result = this.target.attachable(id) ?? job;
      return true;
    };
    if (take()) return result;
    this.conn.write(encodeState('waiting'));
    this.waited = true;
    this.log.info({ event: 'attach_waiting' }, 'waiting for the job to start');
    let wake!: () => void;
    const woke = new Promise<void>((resolve) => (wake = resolve));
    // Runs synchronously at the job's transition, so the hold is taken before any cleanup.
    const off = this.target.subscribe(id, () => {
      if (take()) wake();
    });
    try {
      await Promise.race([woke, this.closedPromise]);
    } finally {
      off();
    }
    if (this.closed) {
      if (result && 'handle' in result) result.release();
      return undefined;
    }
    return result;
  }

  private openStdin(): void {
    const att = this.att!;
    if (!(this.flags & AttachFlag.stdin) || !att.job.job.config.stdin || !att.handle.openStdin) return;
    this.stdinReady = att.handle.openStdin().then(
      (w) => {
        this.stdin = w;
        w.on('error', (err) => this.log.debug({ event: 'attach_stdin_error', err }, 'job stdin closed'));
      },
      (err: unknown) => this.log.warn({ event: 'attach_stdin_failed', err }, 'could not open the job stdin'),
    );
  }

  /** Client → server frames: stdin data, signals, resizes. */
  private readFrames(leftover?: Buffer): void {
    const onData = (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      if (this.decoder.err) {
        this.log.warn({ event: 'attach_bad_frame', error: this.decoder.err }, 'closing attach: bad frame');
        this.conn.destroy();
        return;
      }
      for (const f of frames) this.onFrame(f);
    };
    if (leftover && leftover.length > 0) onData(leftover);
    this.conn.on('data', onData);
    this.conn.resume();
    this.conn.on('end', () => void this.stdinReady.then(() => this.stdin?.end()));
  }

  private onFrame(frame: ReturnType<AttachDecoder['push']>[number]): void {
    const att = this.att!;
    switch (frame.type) {
      case 'data':
        if (frame.stream !== 0) return;
        void this.stdinReady.then(() => {
          const w = this.stdin;
          if (!w || w.writableEnded) return;
          if (frame.data.length === 0) {
            w.end();
            return;
          }
          if (!w.write(frame.data)) {
            this.conn.pause();
            w.once('drain', () => this.conn.resume());
          }
        });
        return;
      case 'signal':
        void att.handle.signal(frame.signal).catch((err: unknown) => this.log.debug({ event: 'attach_signal_failed', signal: frame.signal, err }, 'signal failed'));
        return;
      case 'resize':
        void att.handle.resize?.(frame.height, frame.width).catch((err: unknown) => this.log.debug({ event: 'attach_resize_failed', err }, 'resize failed'));
        return;
      default:
        return;
    }
  }

  /** Server → client: output frames, then EOFs and the exit code. */
  private async forward(): Promise<void> {
    const att = this.att!;
    const wanted = (this.flags & (AttachFlag.stdout | AttachFlag.stderr)) !== 0;
    const follow = (this.flags & AttachFlag.stream) !== 0;
    const replay = (this.flags & AttachFlag.logs) !== 0;
    if (wanted && (follow || replay)) {
      const from = this.waited || replay ? undefined : att.liveCursor;
      // Without `stream` only the past is replayed: up to where the job is now.
      const until = follow ? undefined : att.liveCursor;
      if (follow || until !== undefined || isTerminal(att.job.status)) await this.copyOutput(from, until);
    }
    if (this.closed) return;
    if (this.flags & AttachFlag.stdout) this.conn.write(encodeEof(1));
    if (this.flags & AttachFlag.stderr) this.conn.write(encodeEof(2));
    if (!follow) return;
    const exit = await Promise.race([att.exit, this.closedPromise.then(() => undefined)]);
    if (exit && !this.closed) this.conn.write(encodeExit(exit.code));
  }

  private async copyOutput(from: string | undefined, until: string | undefined): Promise<void> {
    const it = this.att!.handle.output(from)[Symbol.asyncIterator]();
    const closed = this.closedPromise.then(() => 'closed' as const);
    try {
      for (;;) {
        const r = await Promise.race([it.next(), closed]);
        if (r === 'closed' || r.done) return;
        const chunk = r.value;
        const stream: AttachStream = chunk.stream === 'stdout' ? 1 : 2;
        if (this.flags & (stream === 1 ? AttachFlag.stdout : AttachFlag.stderr)) await this.write(encodeData(stream, chunk.data));
        if (until !== undefined && chunk.cursor === until) return;
      }
    } finally {
      void Promise.resolve(it.return?.()).catch(() => {});
    }
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return;
    if (this.conn.write(bytes)) return;
    await Promise.race([new Promise<void>((resolve) => this.conn.once('drain', resolve)), this.closedPromise]);
  }

  private fail(message: string): void {
    if (!this.closed) this.conn.write(encodeError(message));
  }
}
