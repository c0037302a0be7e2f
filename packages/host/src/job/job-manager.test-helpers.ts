import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushMicrotasks, ManualClock, seededRandom } from '@flynn-ts/core/testing';
import type { HostEvent, Job } from '../types.js';
import { FakeLogManager } from '../testing/fake-log-manager.js';
import { FakeRuntimeDriver } from '../testing/fake-runtime-driver.js';
import { MemoryJobStore } from '../testing/memory-job-store.js';
import type { JobManagerOptions } from './job-manager.js';
import { JobManager } from './job-manager.js';

export interface Harness {
  dir: string;
  clock: ManualClock;
  driver: FakeRuntimeDriver;
  logs: FakeLogManager;
  store: MemoryJobStore;
  events: HostEvent[];
  manager: JobManager;
  /** Opens a new manager on the same state dir and driver (a daemon restart). */
  reopen(extra?: Partial<JobManagerOptions>): Promise<JobManager>;
  cleanup(): Promise<void>;
}

export const job = (id: string, extra: Partial<Job['config']> = {}, top: Partial<Job> = {}): Job => ({ id, config: { args: ['sleep', '100'], ...extra }, ...top });

export async function harness(extra: Partial<JobManagerOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'flynn-host-jm-'));
  const clock = new ManualClock();
  const driver = (extra.driver as FakeRuntimeDriver | undefined) ?? new FakeRuntimeDriver();
  const logs = new FakeLogManager();
  const store = new MemoryJobStore();
  const events: HostEvent[] = [];
  const open = async (more: Partial<JobManagerOptions> = {}) => {
    const m = await JobManager.open({ hostId: 'h1', stateDir: dir, store, driver, logs, clock, random: seededRandom(1), bootId: 'boot-1', ...extra, ...more });
    m.subscribe('all', (e) => events.push(e));
    return m;
  };
  const h: Harness = {
    dir,
    clock,
    driver,
    logs,
    store,
    events,
    manager: await open(),
    reopen: async (more) => {
      h.manager = await open(more);
      return h.manager;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  return h;
}

/** Lets pending promise chains (fs writes included) run until `cond` holds. */
export async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await flushMicrotasks();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`until: ${what} never held`);
}

export function kinds(events: HostEvent[], jobId: string): string[] {
  return events.filter((e) => e.job_id === jobId).map((e) => e.event);
}
