/** `resource-check`: the ports the cluster needs must be free on every host (`POST /host/resource-check`). */
import { FlynnError } from '@flynn-ts/core';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { ResourceCheckStep } from '../core/manifest-types.js';
import { intOf } from '../core/render-step.js';
import type { Action } from '../step-context.js';

export const resourceCheck: Action<ResourceCheckStep> = async (ctx) => {
  const ports = ctx.step.ports.map((p, i) => ({ port: intOf(p.port, `ports[${i}].port`, ctx.at), proto: p.proto ?? ('tcp' as const) }));
  const hosts = await ctx.cluster.hosts(ctx.signal);
  if (hosts.length === 0) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, 'no host answers: is flynn-host running?');
  const problems: string[] = [];
  for (const host of hosts) {
    ctx.progress(`checking ${ports.length} ports on ${host.id}`);
    try {
      await host.client.resourceCheck({ ports });
    } catch (err) {
      if (!FlynnError.is(err) || err.status !== 409) throw err;
      const inUse = (err.detail as { ports?: { port: number; proto?: string }[] } | undefined)?.ports ?? [];
      const list = inUse.length > 0 ? inUse.map((p) => `${p.port}/${p.proto ?? 'tcp'}`).join(', ') : err.message;
      problems.push(`host ${host.id}: in use: ${list}`);
    }
  }
  if (problems.length > 0) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `ports the cluster needs are in use:\n${problems.join('\n')}`);
  return { data: { hosts: hosts.map((h) => h.id), ports } };
};
