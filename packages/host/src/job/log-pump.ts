/**
 * Ships a container's output to the LogManager: every `output()` chunk goes
 * through a per-stream line splitter and each line becomes a `LogLine`
 * (MSGID `stdout`/`stderr` downstream). The output cursor of the last chunk
 * that ended on a line boundary is reported every `flushMs` (the manager
 * persists it), so a restarted daemon resumes after it: lines are delivered
 * at least once, never lost.
 */
import type { Clock, Logger } from '@flynn-ts/core';
import type { ContainerHandle, LogManager, OutputChunk } from '../contracts.js';
import { LineSplitter } from './core/line-splitter.js';

export interface LogPumpOptions {
  handle: ContainerHandle;
  logs: LogManager;
  /** Resume after this cursor (undefined: from the start). */
  after: string | undefined;
  jobId: string;
  appId: string;
  processType?: string;
  clock: Clock;
  logger: Logger;
  /** How often a moved cursor is reported. */
  flushMs: number;
  /** Called with the newest safe cursor (periodically and at the end). */
  onCursor(cursor: string): void;
  /** Called with every chunk's cursor (the live position, for attach). */
  onChunk?(cursor: string): void;
}

export interface LogPump {
  /** Stops reading (daemon shutdown): the cursor stays at the last line boundary. */
  stop(): void;
  /** Resolves when the output ended (the container exited and everything was read) or `stop()` was called. */
  done: Promise<void>;
}

export function startLogPump(options: LogPumpOptions): LogPump {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stoppedPromise = new Promise<'stopped'>((resolve) => {
    wake = () => resolve('stopped');
  });
  const done = run(options, () => stopped, stoppedPromise);
  return {
    stop: () => {
      stopped = true;
      wake?.();
    },
    done,
  };
}

async function run(o: LogPumpOptions, isStopped: () => boolean, stopped: Promise<'stopped'>): Promise<void> {
  const splitter = new LineSplitter();
  let safe = o.after;
  let reported = o.after;
  let last = o.after;
  const report = () => {
    if (safe !== undefined && safe !== reported) {
      reported = safe;
      o.onCursor(safe);
    }
  };
  const timer = o.clock.every(o.flushMs, report);
  const it = o.handle.output(o.after)[Symbol.asyncIterator]();
  const write = (stream: 'stdout' | 'stderr', message: string) => {
    const line = { jobId: o.jobId, appId: o.appId, stream, message, time: o.clock.now() };
    o.logs.write(o.processType === undefined ? line : { ...line, processType: o.processType });
  };
  try {
    for (;;) {
      const r = await Promise.race([it.next(), stopped]);
      if (r === 'stopped' || isStopped()) {
        void Promise.resolve(it.return?.()).catch(() => {});
        return;
      }
      if (r.done) break;
      const chunk: OutputChunk = r.value;
      last = chunk.cursor;
      o.onChunk?.(chunk.cursor);
      for (const line of splitter.push(chunk.stream, chunk.data)) write(chunk.stream, line);
      if (splitter.atLineBoundary) safe = chunk.cursor;
    }
    // The output ended: what is left are unterminated last lines.
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = splitter.flush(stream);
      if (rest !== undefined) write(stream, rest);
    }
    safe = last;
  } catch (err) {
    o.logger.warn({ event: 'log_pump_failed', jobId: o.jobId, err }, 'reading job output failed');
  } finally {
    timer.cancel();
    report();
  }
}
