/**
 * The command table's shape. Every command (and subcommand) is a plain
 * descriptor: its name, a one-line summary, its options and positional
 * arguments, examples, and `run(ctx)`. Help, usage lines, argument checks
 * and shell completion are all generated from these descriptors, so they
 * cannot drift apart.
 */
import type { Clock } from '@flynn-ts/core';
import type { ControllerClient } from '@flynn-ts/controller';
import type { ClusterConnection } from './connection.js';
import type { FlynnrcCluster, Flynnrc } from './core/flynnrc.js';
import type { TableRow } from './core/table.js';
import type { Git } from './git.js';
import type { CliIo } from './io.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  /** Placeholder shown in help: `--port <port>`. Default the option's name. */
  valueName?: string;
  description: string;
}

export interface ArgSpec {
  /** Shown as `<name>` (required), `[<name>]` (optional) or `<name>...` (variadic). */
  name: string;
  required?: boolean;
  variadic?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** More text for `--help`, after the usage lines. */
  description?: string;
  options?: Readonly<Record<string, OptionSpec>>;
  args?: readonly ArgSpec[];
  /** Lines shown under "Examples:" (commands start with `$ `). */
  examples?: readonly string[];
  subcommands?: readonly Command[];
  /**
   * Options must come before the first positional argument; everything from
   * it on is passed through untouched (`flynn run ls -la`).
   */
  optionsFirst?: boolean;
  /** Left out of help listings and completion. */
  hidden?: boolean;
  /** The command deals with SIGINT/SIGTERM itself (`flynn run` forwards them to the job). */
  handlesSignals?: boolean;
  /** Absent: the command only groups subcommands (running it alone is a usage error). */
  run?: (ctx: CommandContext) => Promise<number | void>;
}

export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface GlobalOptions {
  /** `-a <app>`. */
  app?: string;
  /** `-c <cluster>`. */
  cluster?: string;
}

/** What a command's `run` gets. */
export interface CommandContext {
  /** The command path, e.g. `['route', 'add', 'http']`. */
  readonly path: readonly string[];
  readonly options: OptionValues;
  readonly args: readonly string[];
  readonly global: GlobalOptions;
  readonly io: CliIo;
  readonly clock: Clock;
  readonly git: Git;
  /** The CLI's version. */
  readonly version: string;

  /** A string option, or undefined when not given. */
  str(name: string): string | undefined;
  /** A boolean option (false when not given). */
  flag(name: string): boolean;

  /** The flynnrc path (FLYNNRC or ~/.flynnrc) and its contents (empty when the file does not exist). */
  flynnrc(): Promise<{ path: string; rc: Flynnrc }>;
  saveFlynnrc(rc: Flynnrc): Promise<void>;
  /** The cluster to talk to: the app's git remote's cluster, `-c`, FLYNN_CLUSTER, the default, or the first. */
  cluster(): Promise<FlynnrcCluster>;
  /** The app: `-a`, FLYNN_APP, or the git remote (`flynn`, or `git config flynn.remote`). */
  app(): Promise<string>;
  /** A connection to the cluster's controller (closed when the command ends). */
  connection(): Promise<ClusterConnection>;
  client(): Promise<ControllerClient>;

  /** Writes a line (or lines) to stdout. */
  out(text: string): void;
  /** Writes a line to stderr (messages that are not the command's output). */
  log(text: string): void;
  /** Prints aligned columns, as the original's tabwriter did. */
  table(rows: readonly TableRow[]): void;
  /** Prints a value as indented JSON. */
  json(value: unknown): void;
  /** Asks a yes/no question on the terminal; false when stdin is not interactive and has no answer. */
  confirm(question: string): Promise<boolean>;
  /** Aborts when the user interrupts (SIGINT/SIGTERM) or the command ends. */
  readonly signal: AbortSignal;
}
