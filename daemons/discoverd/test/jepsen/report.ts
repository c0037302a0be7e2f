/** Printing a failed check of a long history without flooding the test log. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCheckResult } from '@flynn-ts/raft/testing';
import type { CheckResult, Model } from '@flynn-ts/raft/testing';

/**
 * The whole `formatCheckResult` goes to a file (its path is returned); the
 * excerpt keeps the header, the last `prefixLines` steps of the linearizable
 * prefix and `context` history rows around each operation that could not be
 * placed (marked `!`; the first three of them).
 */
export function reportCheckFailure<S, I, O>(model: Model<S, I, O>, check: CheckResult<I, O>, name: string, prefixLines = 25, context = 15): { file: string; excerpt: string } {
  const full = formatCheckResult(model, check);
  const file = join(tmpdir(), `${name}-${process.pid}-${Date.now()}.txt`);
  writeFileSync(file, full);
  const lines = full.split('\n');
  const prefixStart = lines.findIndex((l) => l.startsWith('longest linearizable prefix'));
  const historyStart = lines.findIndex((l) => l.startsWith('partition history'));
  if (prefixStart < 0 || historyStart < 0) return { file, excerpt: full };
  const out = lines.slice(0, prefixStart + 2);
  const prefix = lines.slice(prefixStart + 2, historyStart - 1);
  if (prefix.length > prefixLines) out.push(`  … ${prefix.length - prefixLines} steps …`);
  out.push(...prefix.slice(-prefixLines), '', lines[historyStart]!, lines[historyStart + 1]!);
  const rows = lines.slice(historyStart + 2);
  const keep = new Set<number>();
  let marked = 0;
  rows.forEach((row, i) => {
    // the first few unplaced operations (by call time) and their neighbours
    if (row.startsWith('!') && marked++ < 3) for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) keep.add(j);
  });
  let last = -1;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (i !== last + 1) out.push('  …');
    out.push(rows[i]!);
    last = i;
  }
  return { file, excerpt: out.join('\n') };
}
