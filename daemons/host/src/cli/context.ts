/** What a CLI command gets: its argv, a HostClient factory and the output streams. */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { FlynnError } from '@flynn-ts/core';
import { HostClient } from '@flynn-ts/host';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  stdin: NodeJS.ReadableStream;
  stdinIsTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CommandContext {
  argv: string[];
  io: CliIo;
}

/** A command line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {}

export const DEFAULT_HOST_URL = 'http://127.0.0.1:1113';

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs with `--host-url` added and errors turned into UsageErrors. */
export function parse(argv: string[], options: Options): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, 'host-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | string[] | undefined>, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function client(values: Record<string, unknown>, io: CliIo): HostClient {
  const url = (values['host-url'] as string | undefined) ?? io.env.FLYNN_HOST_URL ?? DEFAULT_HOST_URL;
  return new HostClient({ url, retries: 1, timeoutMs: 15_000 });
}

/** A readable one-line message for anything a command throws. */
export function describeError(err: unknown): string {
  if (FlynnError.is(err)) {
    const detail = err.detail as { field?: string } | undefined;
    return detail?.field && !err.message.startsWith(detail.field) ? `${err.message} (field ${detail.field})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** `K=V` pairs → a map. */
export function pairs(list: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid ${what} ${JSON.stringify(p)}: want KEY=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** Left-aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n') + '\n';
}
