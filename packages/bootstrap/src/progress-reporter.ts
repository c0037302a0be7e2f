/**
 * Shows the runner's events: on a terminal a live line for the running step
 * (what it waits for and for how long) replaced by its ✓/✗ line; in a log
 * (not a terminal) the ✓/✗ lines plus, for steps that take a while, what
 * they wait for whenever that changes (at most every few seconds); with
 * `json`, one JSON object per step.
 */
import type { StepEvent } from './core/progress-format.js';
import { formatStepEvent, formatStepJson } from './core/progress-format.js';

export interface ProgressReporterOptions {
  write(text: string): void;
  /** One JSON object per finished step instead of text. */
  json?: boolean;
  /** A terminal: redraw a live line (default false). */
  live?: boolean;
  /** Terminal width for the live line. Default 100. */
  columns?: number;
}

const QUIET_MS = 3_000;

export function progressReporter(o: ProgressReporterOptions): (e: StepEvent) => void {
  let lastShown = '';
  let lastShownAt = -Infinity;
  let liveShown = false;
  return (e) => {
    if (o.json) {
      const line = formatStepJson(e);
      if (line !== undefined) o.write(`${line}\n`);
      return;
    }
    const { line, live } = formatStepEvent(e);
    if (o.live) {
      if (live !== undefined) {
        o.write(`\r\x1b[K${live.slice(0, (o.columns ?? 100) - 1)}`);
        liveShown = true;
      } else if (line !== undefined) {
        o.write(`${liveShown ? '\r\x1b[K' : ''}${line}\n`);
        liveShown = false;
      }
      return;
    }
    if (e.type === 'start') {
      lastShown = '';
      lastShownAt = -Infinity;
    } else if (e.type === 'progress') {
      if (e.message !== '' && e.message !== lastShown && e.elapsedMs >= QUIET_MS && e.elapsedMs - lastShownAt >= QUIET_MS) {
        o.write(`    … ${e.message}\n`);
        lastShown = e.message;
        lastShownAt = e.elapsedMs;
      }
    } else if (line !== undefined) {
      o.write(`${line}\n`);
    }
  };
}
