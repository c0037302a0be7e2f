/** What `GET /debug/state` shows of a scheduler: plain JSON. */
import { holdsResources } from '../core/model.js';
import type { HostHealth, ResourceAmount } from '../core/model.js';
import { toView } from './job-table.js';
import type { Scheduler, SchedulerRole } from './scheduler.js';

export interface SchedulerState {
  name: string;
  role: SchedulerRole;
  leader: boolean;
  formationsSynced: boolean;
  hostsSynced: boolean;
  formations: { app: string; appName: string; release: string; processes: Record<string, number>; pendingScaleRequest?: string }[];
  hosts: {
    id: string;
    addr: string;
    health: HostHealth | 'unknown';
    synced: boolean;
    shutdown: boolean;
    tags: Record<string, string>;
    capacity?: ResourceAmount;
    requested: ResourceAmount;
    jobs: number;
  }[];
  jobs: {
    id: string;
    app: string;
    release: string;
    type: string;
    state: string;
    hostId?: string;
    hostStatus?: string;
    restarts: number;
    runAt?: string;
    service?: string;
    oneOff: boolean;
    reason?: string;
  }[];
  blocked: Record<string, string>;
  routers: { addr: string; synced: boolean; routes: number; backends: number }[];
  services: string[];
  lastPlan?: { at: string; actions: Record<string, number> };
  inFlight: { starts: number; stops: number; writes: number };
}

export function schedulerState(s: Scheduler): SchedulerState {
  const jobs = [...s.table.all()];
  const hosts = s.hosts.all().map((h) => {
    const mine = jobs.filter((j) => j.hostId === h.id);
    const requested = { memory: 0, cpu: 0 };
    for (const j of mine) {
      if (!holdsResources(toView(j))) continue;
      requested.memory += j.resources.memory;
      requested.cpu += j.resources.cpu;
    }
    const out: SchedulerState['hosts'][number] = {
      id: h.id,
      addr: h.addr,
      health: s.hosts.health.health(h.id) ?? 'unknown',
      synced: h.link?.synced === true,
      shutdown: h.shutdown,
      tags: h.tags,
      requested,
      jobs: mine.filter((j) => j.state !== 'down').length,
    };
    if (h.link?.capacity) out.capacity = h.link.capacity;
    return out;
  });
  const state: SchedulerState = {
    name: s.name,
    role: s.role,
    leader: s.isLeader,
    formationsSynced: s.formations.ready,
    hostsSynced: s.hosts.ready,
    formations: s.formations.all().map((e) => ({
      app: e.formation.app,
      appName: e.wire.app.name,
      release: e.formation.release,
      processes: e.formation.processes,
      ...(e.pendingScale ? { pendingScaleRequest: e.pendingScale } : {}),
    })),
    hosts,
    jobs: jobs.map((j) => ({
      id: j.id,
      app: j.app,
      release: j.release,
      type: j.type,
      state: j.state,
      restarts: j.restarts,
      oneOff: j.oneOff,
      ...(j.hostId !== undefined ? { hostId: j.hostId } : {}),
      ...(j.hostStatus !== undefined ? { hostStatus: j.hostStatus } : {}),
      ...(j.runAt !== undefined ? { runAt: new Date(j.runAt).toISOString() } : {}),
      ...(j.service !== undefined ? { service: j.service } : {}),
      ...((j.blockedReason ?? j.hostError) !== undefined ? { reason: (j.blockedReason ?? j.hostError)! } : {}),
    })),
    blocked: Object.fromEntries(s.blocked),
    routers: s.routers.summary(),
    services: s.services.watched(),
    inFlight: { ...s.runner.inFlight, writes: s.persister.pending },
  };
  if (s.lastPlan) state.lastPlan = { at: new Date(s.lastPlan.at).toISOString(), actions: s.lastPlan.actions };
  return state;
}
