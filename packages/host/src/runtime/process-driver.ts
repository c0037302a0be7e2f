import { spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { ContainerHandle, ContainerSpec, RuntimeDriver } from '../contracts.js';
import { processWrapperArgv } from './core/process-script.js';
import type { ProcessTools } from './core/process-script.js';
import { DirWatcher } from './dir-watcher.js';
import { execTool } from './exec.js';
import { DEFAULT_PATH } from './oci-spec.js';
import { findExecutable, isSameProcess, processStartTime, trySignal } from './proc.js';
import { ProcessHandle } from './process-handle.js';
import type { ProcessJobState } from './process-handle.js';
import { RuntimeError } from './runtime-error.js';
import { readJson, readText, writeJsonAtomic } from './state-file.js';

export interface ProcessDriverOptions {
  logger?: Logger;
  /** How often waiters re-check files when inotify is silent (ms). Default 1000. */
  pollIntervalMs?: number;
  /** Paths of the tools; found on the standard PATH by default. */
  tools?: Partial<ProcessTools>;
  /** Longest wait for a started job's pid file (ms). Default 30000. */
  startTimeoutMs?: number;
}

const STATE_FILE = 'process.json';
const FILES = ['pid', 'exit', 'stdout', 'stderr', 'stdin', 'stdin-holder', STATE_FILE];

/**
 * Runs jobs as plain host processes. **NO ISOLATION**: the job shares the
 * host's filesystem, network, PID space and users (it runs as the daemon's
 * user unless the daemon is root and `uid`/`gid` are set); `lowerDirs`,
 * `tempDiskBytes`, `hostname`, `mounts`, `network` and the cgroup limits
 * (memory, cpu, pids) are ignored. Only RLIMIT_NOFILE/RLIMIT_NPROC are
 * applied (util-linux `prlimit`). For developer machines without root/runc.
 *
 * Each job is a detached POSIX-sh wrapper (see `PROCESS_WRAPPER_SCRIPT`):
 * no Node process per job, and jobs survive the daemon. `tty` is not
 * supported (the job runs without a terminal; a warning is logged).
 */
export class ProcessDriver implements RuntimeDriver {
  readonly name = 'process';
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly startTimeoutMs: number;
  private toolsPromise: Promise<ProcessTools> | undefined;

  constructor(private readonly options: ProcessDriverOptions = {}) {
    this.logger = options.logger ?? noopLogger;
    this.pollMs = options.pollIntervalMs ?? 1000;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    validateSpec(spec);
    const tools = await this.tools();
    const dir = spec.stateDir;
    const log = this.logger.child({ jobId: spec.jobId });
    const cwd = spec.workingDir ?? '/';
    if (!(await isDirectory(cwd))) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `working directory ${cwd} does not exist`);
    const command = spec.args[0]!;
    const lookup = command.includes('/') ? resolve(cwd, command) : command;
    if ((await findExecutable(lookup, spec.env.PATH ?? DEFAULT_PATH)) === undefined) {
      throw new RuntimeError('FLYNN_HOST_RUNTIME_EXEC_NOT_FOUND', `${command}: executable not found`);
    }
    if (spec.tty) log.warn({}, 'process driver: tty is not supported, running without a terminal');
    const isRoot = process.getuid?.() === 0;
    if (!isRoot && (spec.uid !== undefined || spec.gid !== undefined)) log.warn({ uid: spec.uid, gid: spec.gid }, 'process driver: uid/gid need a root daemon; running as the daemon user');

    await mkdir(dir, { recursive: true, mode: 0o700 });
    await Promise.all(FILES.map((f) => rm(join(dir, f), { force: true })));
    await Promise.all([writeFile(join(dir, 'stdout'), ''), writeFile(join(dir, 'stderr'), '')]);
    if (spec.stdin) await execTool('mkfifo', ['-m', '600', join(dir, 'stdin')]);

    const argv = processWrapperArgv(tools, {
      stateDir: dir,
      args: spec.args,
      stdin: spec.stdin,
      ...(spec.limits.maxFd === undefined ? {} : { maxFd: spec.limits.maxFd }),
      ...(spec.limits.maxProcs === undefined ? {} : { maxProcs: spec.limits.maxProcs }),
      ...(isRoot && spec.uid !== undefined ? { uid: spec.uid } : {}),
      ...(isRoot && spec.gid !== undefined ? { gid: spec.gid } : {}),
      softLimitsOnly: !isRoot,
    });
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore', env: spec.env, cwd });
    await new Promise<void>((res, rej) => {
      child.once('spawn', res);
      child.once('error', (err) => rej(new RuntimeError('FLYNN_HOST_RUNTIME_START', `cannot start the job wrapper: ${err.message}`, { cause: err })));
    });
    child.unref();
    const wrapperPid = child.pid!;
    const state: ProcessJobState = { v: 1, driver: 'process', jobId: spec.jobId, wrapperPid, wrapperStart: await processStartTime(wrapperPid), pid: 0, pidStart: 0, stdin: spec.stdin };
    await writeJsonAtomic(join(dir, STATE_FILE), state);
    state.pid = await this.waitForPid(dir, state);
    state.pidStart = await processStartTime(state.pid);
    await writeJsonAtomic(join(dir, STATE_FILE), state);
    log.info({ pid: state.pid, wrapperPid }, 'process job started');
    return new ProcessHandle(state, dir, this.pollMs, log);
  }

  async reattach(jobId: string, stateDir: string): Promise<ContainerHandle | null> {
    const state = parseState(await readJson(join(stateDir, STATE_FILE)), jobId);
    if (!state) return null;
    if (state.pid === 0) {
      // The daemon died between spawning the wrapper and recording the pid.
      const pid = parsePid(await readText(join(stateDir, 'pid')));
      if (pid !== undefined) state.pid = pid;
    }
    const exited = (await readText(join(stateDir, 'exit'))) !== undefined;
    const alive = (await isSameProcess(state.wrapperPid, state.wrapperStart)) || (state.pid > 0 && (await isSameProcess(state.pid, state.pidStart)));
    if (!exited && !alive) return null;
    return new ProcessHandle(state, stateDir, this.pollMs, this.logger.child({ jobId }));
  }

  async cleanup(jobId: string, stateDir: string): Promise<void> {
    const state = parseState(await readJson(join(stateDir, STATE_FILE)).catch(() => undefined), jobId);
    if (state && state.pid > 0 && (await isSameProcess(state.pid, state.pidStart))) {
      this.logger.warn({ jobId }, 'cleanup of a running process job: killing it');
      try {
        process.kill(-state.pid, 9);
      } catch {
        trySignal(state.pid, 9);
      }
    }
    if (state) {
      const holder = parsePid(await readText(join(stateDir, 'stdin-holder')).catch(() => undefined));
      if (holder !== undefined && (await isSameProcess(state.wrapperPid, state.wrapperStart))) trySignal(holder, 9);
      // Let the wrapper write its exit file before the directory goes (it never recreates the directory).
      const watcher = new DirWatcher(stateDir, 50);
      for (let i = 0; i < 40 && (await isSameProcess(state.wrapperPid, state.wrapperStart)); i++) await watcher.next();
      watcher.close();
    }
    await rm(stateDir, { recursive: true, force: true });
  }

  private async waitForPid(dir: string, state: ProcessJobState): Promise<number> {
    const watcher = new DirWatcher(dir, 20);
    const deadline = Date.now() + this.startTimeoutMs;
    try {
      for (;;) {
        const pid = parsePid(await readText(join(dir, 'pid')));
        if (pid !== undefined) return pid;
        if (!(await isSameProcess(state.wrapperPid, state.wrapperStart)) && (await readText(join(dir, 'pid'))) === undefined) {
          const stderr = (await readText(join(dir, 'stderr'))) ?? '';
          throw new RuntimeError('FLYNN_HOST_RUNTIME_START', `job wrapper exited before starting the job${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`);
        }
        if (Date.now() > deadline) throw new RuntimeError('FLYNN_HOST_RUNTIME_START', `job did not start within ${this.startTimeoutMs} ms`);
        await watcher.next();
      }
    } finally {
      watcher.close();
    }
  }

  private tools(): Promise<ProcessTools> {
    this.toolsPromise ??= resolveTools(this.options.tools ?? {});
    return this.toolsPromise;
  }
}

async function resolveTools(given: Partial<ProcessTools>): Promise<ProcessTools> {
  const need = async (name: 'sh' | 'sleep' | 'setsid'): Promise<string> => {
    const p = given[name] ?? (await findExecutable(name));
    if (p === undefined) throw new RuntimeError('FLYNN_HOST_RUNTIME_START', `process driver needs \`${name}\` on the host`);
    return p;
  };
  const tools: ProcessTools = { sh: await need('sh'), sleep: await need('sleep'), setsid: await need('setsid') };
  const prlimit = given.prlimit ?? (await findExecutable('prlimit'));
  const setpriv = given.setpriv ?? (await findExecutable('setpriv'));
  if (prlimit !== undefined) tools.prlimit = prlimit;
  if (setpriv !== undefined) tools.setpriv = setpriv;
  return tools;
}

function validateSpec(spec: ContainerSpec): void {
  if (spec.args.length === 0 || spec.args[0] === '') throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', 'args must not be empty');
  if (!isAbsolute(spec.stateDir)) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `stateDir must be absolute: ${spec.stateDir}`);
}

function parsePid(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+\n$/.test(text)) return undefined;
  const pid = Number(text.trim());
  return pid > 0 ? pid : undefined;
}

function parseState(value: unknown, jobId: string): ProcessJobState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<ProcessJobState>;
  if (s.v !== 1 || s.driver !== 'process' || s.jobId !== jobId || typeof s.wrapperPid !== 'number') return undefined;
  return { v: 1, driver: 'process', jobId, wrapperPid: s.wrapperPid, wrapperStart: s.wrapperStart ?? 0, pid: s.pid ?? 0, pidStart: s.pidStart ?? 0, stdin: s.stdin === true };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
