/**
 * The scheduler's HTTP surface (reference §6.1): `GET /debug/state` (the
 * scheduler's view as JSON: role, formations, hosts with capacity and
 * requested resources, jobs, blocked reasons, routers, last plan, and the
 * deployments it runs) and `GET /.well-known/status`. A fetch handler; the
 * daemon serves it on `PORT`.
 */
import type { Clock, Logger } from '@flynn-ts/core';
import { createApi } from '@flynn-ts/core/http';
import type { DeployRunner } from './deploy-runner.js';
import type { Scheduler } from './scheduler.js';

export interface SchedulerApiOptions {
  deployer?: DeployRunner;
  version?: string;
  logger?: Logger;
  clock?: Clock;
}

export function createSchedulerApi(scheduler: Scheduler, options: SchedulerApiOptions = {}): ReturnType<typeof createApi> {
  const app = createApi({
    name: 'scheduler',
    version: options.version ?? 'dev',
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    status: () => ({ healthy: true, detail: { role: scheduler.role } }),
  });
  app.get('/debug/state', (c) => c.json({ ...scheduler.state(), deployments: options.deployer?.state() ?? [] }));
  return app;
}
