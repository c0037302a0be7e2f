/**
 * One `npm start` per data directory (`run/start.pid`), and the daemons an
 * earlier start left running (it was killed with SIGKILL, say): those whose
 * pid file is ours and whose command line names this data directory are
 * stopped first, so their ports and data are free again.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { livePid } from './daemon-process.js';

const DAEMON_PID_FILES = ['flynn-host.pid', 'postgres.pid', 'discoverd.pid'];

/** Takes the lock or throws naming the process that holds it; returns the release function. */
export function takeLock(runDir: string, dataDir: string): () => void {
  const file = join(runDir, 'start.pid');
  const holder = livePid(file);
  if (holder !== undefined && holder !== process.pid && commandLine(holder).includes('start')) {
    throw new Error(`a cluster is already running with the data in ${dataDir} (npm start, pid ${holder}); stop it first (Ctrl-C there, or kill ${holder})`);
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    if (livePid(file) === process.pid) rmSync(file, { force: true });
  };
}

/** Stops leftover daemons of an earlier start of this data directory. */
export async function stopLeftovers(runDir: string, dataDir: string, say: (line: string) => void): Promise<void> {
  for (const name of DAEMON_PID_FILES) {
    const file = join(runDir, name);
    const pid = livePid(file);
    if (pid === undefined) {
      rmSync(file, { force: true });
      continue;
    }
    if (!commandLine(pid).includes(dataDir)) {
      rmSync(file, { force: true });
      continue;
    }
    say(`stopping a ${name.replace(/\.pid$/, '')} left running by an earlier start (pid ${pid})`);
    signal(pid, name === 'postgres.pid' ? 'SIGINT' : 'SIGTERM');
    for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) signal(pid, 'SIGKILL');
    rmSync(file, { force: true });
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}
