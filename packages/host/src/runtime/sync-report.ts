import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { RuntimeError } from './runtime-error.js';

/** What a container monitor (conmon or flynn-monitor) reports on its sync pipe once the container runs. */
export interface SyncReport {
  /** The container's init pid. */
  pid: number;
  /** The monitor's own pid, when it says (flynn-monitor does; conmon writes it to its pid file only). */
  monitorPid?: number;
}

/**
 * Waits for the one-line JSON report of a monitor spawned with its sync pipe
 * on fd 3: `{"data": <pid>}` (flynn-monitor adds `"monitor": <its pid>`) or
 * `{"data": -1, "message": …}`. Rejects with `FLYNN_HOST_RUNTIME_START` on a
 * refusal, on a pipe closed without a report (with the monitor's stderr) and
 * after `timeoutMs`.
 */
export function awaitSyncReport(child: ChildProcess, what: string, timeoutMs: number): Promise<SyncReport> {
  const sync = child.stdio[3] as Readable;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise<SyncReport>((resolve, reject) => {
    let buf = '';
    let settled = false;
    const timer = setTimeout(() => finish(new RuntimeError('FLYNN_HOST_RUNTIME_START', `${what} did not report the container within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: RuntimeError | undefined, report?: SyncReport) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sync.destroy();
      child.stderr!.destroy();
      if (err) reject(err);
      else resolve(report!);
    };
    child.on('error', (e) => finish(new RuntimeError('FLYNN_HOST_RUNTIME_START', `cannot run ${what}: ${e.message}`, { cause: e })));
    sync.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const [err, report] = parseSyncLine(what, buf.slice(0, nl));
      finish(err, report);
    });
    sync.on('error', () => {});
    sync.on('close', () => {
      // Give the monitor's stderr a moment to arrive: it explains early failures (bad flags).
      setTimeout(() => finish(new RuntimeError('FLYNN_HOST_RUNTIME_START', `${what} exited without creating the container${stderr ? `: ${stderr.trim()}` : ''}`)), 20);
    });
  });
}

/** One sync-pipe line → the report or the error it carries. Pure. */
export function parseSyncLine(what: string, line: string): [RuntimeError | undefined, SyncReport?] {
  let msg: { data?: unknown; message?: unknown; monitor?: unknown };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return [new RuntimeError('FLYNN_HOST_RUNTIME_START', `${what} sent ${JSON.stringify(line.slice(0, 200))}`)];
  }
  if (typeof msg.data === 'number' && Number.isInteger(msg.data) && msg.data > 0) {
    const report: SyncReport = { pid: msg.data };
    if (typeof msg.monitor === 'number' && Number.isInteger(msg.monitor) && msg.monitor > 0) report.monitorPid = msg.monitor;
    return [undefined, report];
  }
  const why = typeof msg.message === 'string' ? msg.message.trim() : 'unknown error';
  return [new RuntimeError('FLYNN_HOST_RUNTIME_START', `the OCI runtime could not create the container: ${why}`)];
}
