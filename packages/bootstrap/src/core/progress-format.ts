/**
 * What the runner reports while it works, and how it is shown: one line per
 * step with ✓ or ✗ and its duration (plus a live line for the step in
 * progress on a terminal), or one JSON object per step (`--json`). Pure.
 */
import type { StepAction } from './manifest-types.js';

interface StepRef {
  /** 1-based. */
  index: number;
  total: number;
  id: string;
  action: StepAction;
}

export type StepEvent =
  | (StepRef & { type: 'start' })
  | (StepRef & { type: 'progress'; elapsedMs: number; message: string })
  | (StepRef & { type: 'done'; elapsedMs: number; output?: string })
  | (StepRef & { type: 'failed'; elapsedMs: number; error: string });

/** `12ms`, `3.4s`, `1m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function head(e: StepRef, mark: string): string {
  const width = String(e.total).length;
  return `${mark} [${String(e.index).padStart(width)}/${e.total}] ${e.id.padEnd(22)} ${e.action.padEnd(14)}`;
}

/**
 * The text lines for an event: a finished step is `✓ [ 3/17] id  action  0.4s`
 * (followed by a log step's output), a failed one `✗ …` and the error
 * indented; `start` and `progress` give the live line (no newline), which a
 * terminal overwrites and a log file skips.
 */
export function formatStepEvent(e: StepEvent): { line?: string; live?: string } {
  switch (e.type) {
    case 'start':
      return { live: `${head(e, '…')}` };
    case 'progress':
      return { live: `${head(e, '…')} ${formatDuration(e.elapsedMs).padStart(6)}  ${e.message}` };
    case 'done': {
      const line = `${head(e, '✓')} ${formatDuration(e.elapsedMs).padStart(6)}`;
      return { line: e.output !== undefined && e.output !== '' ? `${line}\n${e.output}` : line };
    }
    case 'failed':
      return { line: `${head(e, '✗')} ${formatDuration(e.elapsedMs).padStart(6)}\n${indent(e.error)}` };
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** `--json`: one object per finished step (`state` `done` or `error`); undefined for the others. */
export function formatStepJson(e: StepEvent): string | undefined {
  if (e.type !== 'done' && e.type !== 'failed') return undefined;
  return JSON.stringify({
    step: e.index,
    total: e.total,
    id: e.id,
    action: e.action,
    state: e.type === 'done' ? 'done' : 'error',
    elapsed_ms: Math.round(e.elapsedMs),
    ...(e.type === 'done' && e.output !== undefined ? { output: e.output } : {}),
    ...(e.type === 'failed' ? { error: e.error } : {}),
  });
}
