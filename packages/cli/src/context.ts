/**
 * The `CommandContext` a command runs with: its parsed options, lazy access
 * to the flynnrc, the cluster, the app and a controller connection (each
 * resolved once), and output helpers.
 *
 * App resolution (the original's cli/main.go `app()`): `-a` (which may also
 * name a git remote), `FLYNN_APP`, the remote named by `git config
 * flynn.remote`, or the only flynn remote of the repository. An app found
 * through a remote also picks the cluster that remote belongs to.
 */
import { createInterface } from 'node:readline';
import type { Clock } from '@flynn-ts/core';
import type { ControllerClient } from '@flynn-ts/controller';
import type { CommandContext, GlobalOptions, OptionValues } from './command.js';
import { flynnrcPath, readFlynnrc, writeFlynnrc } from './config.js';
import { connectCluster } from './connection.js';
import type { ClusterConnection } from './connection.js';
import type { Flynnrc, FlynnrcCluster } from './core/flynnrc.js';
import { selectCluster } from './core/flynnrc.js';
import { appFromGitUrl, parseGitRemotes } from './core/git-remote.js';
import type { RemoteApp } from './core/git-remote.js';
import { formatTable } from './core/table.js';
import type { TableRow } from './core/table.js';
import { CliError } from './errors.js';
import { configuredRemote, gitRemoteList, gitRemoteUrl } from './git.js';
import type { Git } from './git.js';
import type { CliIo } from './io.js';

export interface ContextInit {
  path: readonly string[];
  options: OptionValues;
  args: readonly string[];
  global: GlobalOptions;
  io: CliIo;
  clock: Clock;
  git: Git;
  version: string;
  signal: AbortSignal;
  /** Per-request deadline for controller calls. */
  timeoutMs?: number;
}

export class RunContext implements CommandContext {
  readonly path: readonly string[];
  readonly options: OptionValues;
  readonly args: readonly string[];
  readonly global: GlobalOptions;
  readonly io: CliIo;
  readonly clock: Clock;
  readonly git: Git;
  readonly version: string;
  readonly signal: AbortSignal;
  private readonly timeoutMs: number | undefined;
  private rcPromise: Promise<{ path: string; rc: Flynnrc }> | undefined;
  private target: Promise<{ app: string; remote?: RemoteApp }> | undefined;
  private conn: Promise<ClusterConnection> | undefined;
  /** The controller URL once a connection was made (for error messages). */
  controllerUrl: string | undefined;

  constructor(init: ContextInit) {
    this.path = init.path;
    this.options = init.options;
    this.args = init.args;
    this.global = init.global;
    this.io = init.io;
    this.clock = init.clock;
    this.git = init.git;
    this.version = init.version;
    this.signal = init.signal;
    this.timeoutMs = init.timeoutMs;
  }

  str(name: string): string | undefined {
    const v = this.options[name];
    return typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : undefined;
  }

  flag(name: string): boolean {
    return this.options[name] === true;
  }

  flynnrc(): Promise<{ path: string; rc: Flynnrc }> {
    this.rcPromise ??= (async () => {
      const path = flynnrcPath(this.io.env, this.io.home);
      return { path, rc: await readFlynnrc(path) };
    })();
    return this.rcPromise;
  }

  async saveFlynnrc(rc: Flynnrc): Promise<void> {
    const { path } = await this.flynnrc();
    await writeFlynnrc(path, rc);
    this.rcPromise = Promise.resolve({ path, rc });
  }

  private clusterName(): string | undefined {
    return this.global.cluster || this.io.env.FLYNN_CLUSTER || undefined;
  }

  async cluster(): Promise<FlynnrcCluster> {
    const remote = await this.resolveTarget().then(
      (t) => t.remote,
      () => undefined,
    );
    if (remote) return remote.cluster;
    return selectCluster((await this.flynnrc()).rc, this.clusterName());
  }

  async app(): Promise<string> {
    return (await this.resolveTarget()).app;
  }

  private resolveTarget(): Promise<{ app: string; remote?: RemoteApp }> {
    this.target ??= this.findApp();
    return this.target;
  }

  private async findApp(): Promise<{ app: string; remote?: RemoteApp }> {
    const { rc } = await this.flynnrc();
    const only = this.clusterName();
    if (this.global.app) {
      const url = await gitRemoteUrl(this.git, this.global.app);
      const remote = url ? appFromGitUrl(rc.clusters, url, only) : undefined;
      return remote ? { app: remote.app, remote } : { app: this.global.app };
    }
    if (this.io.env.FLYNN_APP) return { app: this.io.env.FLYNN_APP };
    const named = await configuredRemote(this.git);
    if (named) {
      const url = await gitRemoteUrl(this.git, named);
      if (url === undefined) throw new CliError(`could not find git remote ${named} in ${this.io.cwd}`);
      const remote = appFromGitUrl(rc.clusters, url, only);
      if (!remote) throw new CliError(`could not find app name in ${named} git remote`);
      return { app: remote.app, remote };
    }
    const remotes = parseGitRemotes(await gitRemoteList(this.git), rc.clusters, only);
    if (remotes.size > 1) {
      throw new CliError(
        `Multiple apps listed in git remotes, please specify one with the global -a option to disambiguate.\n\nAvailable Flynn remotes:\n${[...remotes.keys()].join('\n')}`,
      );
    }
    const [remote] = remotes.values();
    if (remote) return { app: remote.app, remote };
    throw new CliError('no app found, run from a repo with a flynn remote or specify one with -a');
  }

  connection(): Promise<ClusterConnection> {
    this.conn ??= (async () => {
      const cluster = await this.cluster();
      this.controllerUrl = cluster.controllerUrl;
      return connectCluster(cluster, { clock: this.clock, ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}) });
    })();
    return this.conn;
  }

  async client(): Promise<ControllerClient> {
    return (await this.connection()).client;
  }

  /** Closes the connection, if one was made. */
  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await (await conn.catch(() => undefined))?.close();
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  log(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  table(rows: readonly TableRow[]): void {
    this.io.stdout.write(formatTable(rows));
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  confirm(question: string): Promise<boolean> {
    this.io.stdout.write(`${question} (yes/no): `);
    return new Promise((resolve) => {
      const rl = createInterface({ input: this.io.stdin, terminal: false });
      let answered = false;
      rl.on('line', (line) => {
        const a = line.trim().toLowerCase();
        if (a === 'y' || a === 'yes' || a === 'n' || a === 'no') {
          answered = true;
          rl.close();
          resolve(a.startsWith('y'));
        } else {
          this.io.stdout.write("Please type 'yes' or 'no': ");
        }
      });
      rl.on('close', () => {
        if (!answered) {
          this.io.stdout.write('\n');
          resolve(false);
        }
      });
    });
  }
}
