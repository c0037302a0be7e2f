/**
 * Durability: a new host process state (a restarted JobManager on the same
 * state dir) re-attaches to the process jobs that kept running, picks up the
 * exit of a job that ended while it was down, and keeps shipping logs from
 * where it stopped (no line lost, none repeated).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from './host-harness.js';
import { jobId, shJob, startTestHost, waitForStatus } from './host-harness.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => {
  await t?.close();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function messages(id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of t.client.jobLog(id)) out.push(l.message);
  return out;
}

describe('restart', () => {
  it('re-attaches to a running job and reports one that exited meanwhile with its exit code', async () => {
    const flag = (name: string) => join(t.dir, name);
    const running = jobId();
    const exiting = jobId();
    await t.client.addJob(shJob(running, `echo before; while [ ! -e ${flag('a-go')} ]; do sleep 0.05; done; echo after; while [ ! -e ${flag('a-end')} ]; do sleep 0.05; done; exit 0`));
    await t.client.addJob(shJob(exiting, `while [ ! -e ${flag('b-go')} ]; do sleep 0.05; done; echo bye; exit 5`));
    const a = await waitForStatus(t.client, running, ['running']);
    const b = await waitForStatus(t.client, exiting, ['running']);
    await waitFor(async () => (await messages(running)).includes('before'), { what: 'first line shipped' });

    await t.restart(); // the first host closes (jobs keep running) and a new one starts on the same state
    await t.host.close();
    // While no host runs: one job logs, the other exits.
    await writeFile(flag('a-go'), '');
    await writeFile(flag('b-go'), '');
    await waitFor(() => !alive(b.pid!), { what: 'job b exited while the host was down' });
    expect(alive(a.pid!)).toBe(true);
    await t.restart();

    expect(t.host.jobs.restoreResult.reattached.sort()).toEqual([exiting, running].sort());
    expect(await waitForStatus(t.client, exiting, ['crashed'])).toMatchObject({ exit_status: 5 });
    expect(await messages(exiting)).toEqual(['bye']);
    expect(await t.client.getJob(running)).toMatchObject({ status: 'running', pid: a.pid });
    await waitFor(async () => (await messages(running)).includes('after'), { what: 'log written while down is shipped' });
    await writeFile(flag('a-end'), '');
    expect(await waitForStatus(t.client, running, ['done'])).toMatchObject({ exit_status: 0 });
    expect(await messages(running)).toEqual(['before', 'after']);
  });

  it('a stop requested before the restart still ends the job', async () => {
    const id = jobId();
    await t.client.addJob(shJob(id, 'trap "" TERM; echo ready; while :; do sleep 0.05; done'));
    await waitFor(async () => (await messages(id)).includes('ready'), { what: 'TERM ignored' });
    await t.client.stopJob(id); // SIGTERM is ignored; SIGKILL is due after the 2 s grace
    await t.restart();
    expect(await waitForStatus(t.client, id, ['crashed'])).toMatchObject({ exit_status: 137 });
  });
});
